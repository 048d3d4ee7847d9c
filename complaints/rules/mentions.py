"""@mentions in internal notes."""

import re

# A Django username: letters (any script), digits and @.+-_ ; a mention ends at anything else.
# "@" right after a letter or digit is part of an e-mail address, not a mention.
MENTION = re.compile(r"(?<![\w.+-])@([\w.+-]+)")


def mentioned_usernames(text: str) -> list[str]:
    """Rule: the usernames written as @username in a note, in order, each once, without a
    trailing full stop or comma.

    Example: mentioned_usernames("@quality see this, cc @lead_east. mail x@y.cn") == ["quality", "lead_east"]
    Why: colleagues are named inline while writing; an e-mail address in the text is not a mention.
    """
    names: list[str] = []
    for raw in MENTION.findall(text or ""):
        name = raw.rstrip(".-+")
        if name and name not in names:
            names.append(name)
    return names


def mention_queue(user_id: int) -> str:
    """Rule: the queue (owner permission) a mention task falls back to when its reader releases
    it: that reader's own, which nobody else holds.

    Example: mention_queue(7) == "complaints.mention__7"
    Why: a released "read the note" task must not become claimable by everybody.
    """
    return f"complaints.mention__{user_id}"
