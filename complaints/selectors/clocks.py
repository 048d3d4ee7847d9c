"""What a level's clock rules say (ClockRule rows over the built-in defaults)."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from complaints.models import ClockRule
from complaints.rules.clocks import DEFAULTS, ClockBehaviour, behaviour
from complaints.selectors.once import read_once


def level_behaviours(level_ids: Iterable[int | None]) -> dict[tuple[int | None, str], ClockBehaviour]:
    """The behaviour of every ruled clock kind at each of the given levels, in one query (the sweep
    asks once per batch)."""
    ids = {pk for pk in level_ids if pk is not None}
    rules: dict[tuple[int | None, str], ClockBehaviour] = (
        read_once(
            f"level_behaviours:{sorted(ids)}",
            lambda: {
                (rule.level_id, rule.kind): ClockBehaviour(
                    answered_by_response=rule.answered_by_response, warns=rule.warns, breach=rule.breach
                )
                for rule in ClockRule.objects.filter(level_id__in=ids)
            },
            shared=True,
        )
        if ids
        else {}
    )
    return {
        (level_id, kind): behaviour(kind, rules.get((level_id, kind))) for level_id in ids | {None} for kind in DEFAULTS
    }


def _level_rules(level_id: int) -> dict[str, ClockRule]:
    """A level's clock rules by kind, read once per transition (its clocks each ask)."""

    def load() -> dict[str, ClockRule]:
        rules: dict[str, ClockRule] = {}
        for rule in ClockRule.objects.filter(level_id=level_id).order_by("pk"):
            rules.setdefault(rule.kind, rule)
        return rules

    return read_once(f"clock_rules:{level_id}", load, shared=True)


def clock_behaviour(*, level_id: int | None, kind: str) -> ClockBehaviour:
    """One kind's behaviour at one level (a kind without rules: its fixed default)."""
    rule = _level_rules(level_id).get(kind) if level_id is not None else None
    return behaviour(
        kind,
        ClockBehaviour(answered_by_response=rule.answered_by_response, warns=rule.warns, breach=rule.breach)
        if rule is not None
        else None,
    )


def answered_by_response() -> Q:
    """Clocks (of any level) that the level's response or decision stops: their level's rule says
    so, or it has no rule for the kind and the default does."""
    rules = ClockRule.objects.filter(level=OuterRef("level"), kind=OuterRef("kind"))
    defaults = [kind for kind, value in DEFAULTS.items() if value.answered_by_response]
    return Q(Exists(rules.filter(answered_by_response=True))) | (Q(kind__in=defaults) & ~Q(Exists(rules)))
