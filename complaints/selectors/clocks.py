"""What a level's clock rules say (ClockRule rows over the built-in defaults)."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from complaints.models import ClockRule
from complaints.rules.clocks import DEFAULTS, ClockBehaviour, behaviour
from complaints.selectors.once import read_once


def level_behaviours(level_ids: Iterable[int | None]) -> dict[tuple[int | None, str], ClockBehaviour]:
    """The behaviour of every ruled clock kind at each of the given levels (the ladder's rules are
    read once, for every level)."""
    ids = {pk for pk in level_ids if pk is not None}
    rules: dict[tuple[int | None, str], ClockBehaviour] = (
        read_once(  # every level's rules in one read (the configuration's copy): a few rows per level
            "clock_rules",
            lambda: {
                (rule.level_id, rule.kind): ClockBehaviour(
                    answered_by_response=rule.answered_by_response, warns=rule.warns, breach=rule.breach
                )
                for rule in ClockRule.objects.order_by()
            },
            shared=True,
        )
        if ids
        else {}
    )
    return {
        (level_id, kind): behaviour(kind, rules.get((level_id, kind))) for level_id in ids | {None} for kind in DEFAULTS
    }


def clock_behaviour(*, level_id: int | None, kind: str) -> ClockBehaviour:
    """One kind's behaviour at one level (a kind without rules: its fixed default). The same read as
    `level_behaviours([level_id])`: a transition that syncs the level's clocks reads its rules once."""
    return level_behaviours([level_id]).get((level_id, kind)) or behaviour(kind, None)


def answered_by_response() -> Q:
    """Clocks (of any level) that the level's response or decision stops: their level's rule says
    so, or it has no rule for the kind and the default does."""
    rules = ClockRule.objects.filter(level=OuterRef("level"), kind=OuterRef("kind"))
    defaults = [kind for kind, value in DEFAULTS.items() if value.answered_by_response]
    return Q(Exists(rules.filter(answered_by_response=True))) | (Q(kind__in=defaults) & ~Q(Exists(rules)))
