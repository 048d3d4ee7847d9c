"""How alike two complaints are, for suggesting closed cases while a new one is registered."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from complaints.rules.batch import normalise_code
from complaints.rules.signals import CJK, normalise

LATIN_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]{3,}")


def text_terms(text: str) -> frozenset[str]:
    """Rule: Chinese (CJK) text counts by pairs of neighbouring characters, other text by words of
    three or more letters, after NFKC and case folding.

    Example: text_terms("高速断电 power loss") == {"高速", "速断", "断电", "power", "loss"}
    Why: Chinese is written without spaces; pairs of characters match 断电 in 突然断电了 without a
    dictionary.
    """
    folded = normalise(text)
    terms = set(LATIN_WORD.findall(folded))
    run: list[str] = []
    for ch in [*folded, " "]:
        if CJK.match(ch):
            run.append(ch)
            continue
        terms.update(a + b for a, b in pairwise(run))
        run = []
    return frozenset(terms)


@dataclass(frozen=True)
class CaseFacts:
    category_ids: frozenset[int]
    product_model: str
    terms: frozenset[str]


def case_score(*, new: CaseFacts, case: CaseFacts) -> int:
    """Rule: the same product model weighs most (3), a category in the same branch next (2), then one
    point per shared term; a case sharing nothing scores 0 and is not suggested.

    Example: same model, same category, 4 shared terms → 3 + 2 + 4 = 9
    Why: an agent facing "EV-S7 lost power" learns most from how the last EV-S7 power loss was fixed.
    """
    score = 0
    if new.product_model and normalise_code(new.product_model) == normalise_code(case.product_model):
        score += 3
    if new.category_ids & case.category_ids:
        score += 2
    return score + len(new.terms & case.terms)


def rank_cases(*, new: CaseFacts, cases: Iterable[tuple[int, CaseFacts]], shown: int) -> list[int]:
    """Rule: the ids of the `shown` best-scoring cases with a score above 0, best first (newest
    first among equals, as `cases` come newest first).

    Example: rank_cases(new=f, cases=[(1, a), (2, b)], shown=1) == [2] when b scores higher
    Why: the intake page has room for a few suggestions; they must be the closest ones.
    """
    scored = [(case_score(new=new, case=facts), index, pk) for index, (pk, facts) in enumerate(cases)]
    best = sorted((item for item in scored if item[0] > 0), key=lambda item: (-item[0], item[1]))
    return [pk for _score, _index, pk in best[:shown]]


@dataclass(frozen=True)
class IncidentFacts:
    product_model: str
    batch_number: str
    place: str
    terms: frozenset[str]


def same_incident(*, new: IncidentFacts, other: IncidentFacts) -> bool:
    """Rule: two complaints look like the same incident when they share the product model, the batch
    number or the place (ignoring case, width and spacing) and at least one word of the customer's
    words (rules.cases.text_terms).

    Example: two "EV-S7" complaints saying 断电 → True; the same model, one about paint → False.
    Why: DOMAIN.md: many customers affected is a reason to escalate; seeing it at the second or
    third call beats finding it in next month's Pareto.
    """
    shared_key = any(
        a and b and normalise_code(a) == normalise_code(b)
        for a, b in (
            (new.product_model, other.product_model),
            (new.batch_number, other.batch_number),
            (normalise(new.place), normalise(other.place)),
        )
    )
    return shared_key and bool(new.terms & other.terms)
