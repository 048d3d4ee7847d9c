"""How a person's name reads wherever the product shows it, and how a configuration name written
in both languages at once splits into its two languages. Pure functions."""

import re
from typing import Any

# Han ideographs (with extensions A and the compatibility block), kana and hangul: names written in
# these scripts put the family name first, with no space.
_EAST_ASIAN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def full_name(*, first: str, last: str) -> str:
    """Rule: a full name in the order of its script: family name first and no space for Chinese
    (and Japanese, Korean), given name first with a space otherwise.

    Example: full_name(first="芳", last="王") == "王芳"; full_name(first="Wei", last="Zhou") == "Wei Zhou"
    Why: Django's get_full_name() writes "芳 王", which no Chinese reader would recognise.
    """
    first, last = (first or "").strip(), (last or "").strip()
    if _EAST_ASIAN.search(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def person_name(user: Any) -> str:
    """Rule: how a user is named on pages, messages and the timeline: their full name (see
    full_name), else their login; "" for nobody.

    Example: person_name(User(first_name="芳", last_name="王", username="wangf")) == "王芳"
    """
    if user is None:
        return ""
    name = full_name(first=getattr(user, "first_name", ""), last=getattr(user, "last_name", ""))
    return name or user.get_username()


# "一线客服 Agent": one or more words holding Chinese, then a space and the English words.
_BILINGUAL = re.compile(r"(?P<zh>\S*[^\x00-\x7f]\S*(?: \S*[^\x00-\x7f]\S*)*) (?P<en>[A-Za-z0-9][\x00-\x7f]*)")


def split_bilingual(text: str) -> tuple[str, str]:
    """Rule: a configuration name written in one field as "Chinese English" gives the Chinese and
    the English name; a name without that shape is Chinese when it holds a non-ASCII character
    (no English yet: readers of English see the Chinese), else it serves both languages.

    Example: split_bilingual("一线客服 Agent") == ("一线客服", "Agent");
    split_bilingual("紧急") == ("紧急", ""); split_bilingual("Store") == ("Store", "Store")
    Why: names were stored once, with both languages side by side (the presets, the demo, older
    configuration exports); each language now has its own column (complaints.translation).
    """
    text = (text or "").strip()
    if match := _BILINGUAL.fullmatch(text):
        return match["zh"], match["en"].strip()
    if any(ord(char) > 0x7F for char in text):
        return text, ""
    return text, text
