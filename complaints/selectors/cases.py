"""The case library: closed complaints with a confirmed root cause, and how each was solved.

This is the ONE module that reads root-cause analyses and corrective actions for the library and
the intake suggestions; when the root-cause model changes, only this module follows.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from complaints.choices import CauseVerdict, Outcome, Stage
from complaints.models import Category, Cause, Complaint, CorrectiveAction
from complaints.rules.cases import CaseFacts, rank_cases, text_terms
from complaints.rules.privacy import mask_name
from complaints.rules.trees import path_to_root
from complaints.selectors.intake_forms import category_parents, category_subtree_ids

# How many recent cases the intake suggestions weigh, and how many they show (page layout, not
# policy: a longer list does not fit beside the form).
SUGGESTION_CANDIDATES = 300
SUGGESTIONS_SHOWN = 5
# Closed as resolved, with at least one cause confirmed on the fishbone.
CLOSED = Q(stage=Stage.CLOSED, outcome=Outcome.RESOLVED)
TEXT_FIELDS = ("customer_words", "handler_understanding", "root_cause__description")


def _confirmed_causes(**filters: Any) -> Exists:
    """Whether the complaint has a confirmed cause (matching `filters`)."""
    return Exists(Cause.objects.filter(analysis__complaint=OuterRef("pk"), verdict=CauseVerdict.CONFIRMED, **filters))


@dataclass(frozen=True)
class CaseAction:
    kind: str
    description: str
    status: str


@dataclass(frozen=True)
class Case:
    """One solved case as the library shows it (the customer's name masked, no contact details)."""

    complaint_id: int
    reference: str
    category: str
    product_model: str
    batch_number: str
    customer: str
    customer_words: str
    handler_understanding: str
    cause_category: str
    cause_category_label: str
    root_cause: str
    actions: tuple[CaseAction, ...]
    closed_at: datetime | None
    satisfaction: int | None
    outcome_note: str


def closed_cases(user: Any) -> QuerySet[Complaint]:
    """Returns the closed, resolved complaints with a confirmed root cause the user may see."""
    from complaints.selectors.common import complaints_visible_to

    return complaints_visible_to(user).filter(CLOSED, _confirmed_causes())


def case_search(
    *,
    user: Any,
    category: Category | None = None,
    product_model: str = "",
    cause_category: str = "",
    text: str = "",
) -> QuerySet[Complaint]:
    """Returns the user's visible cases matching every given filter, latest closed first: the
    category includes its subcategories, the model matches ignoring case, each word of `text` must
    appear in the customer's words, the handler's understanding, the root cause or a confirmed
    cause; `cause_category` is the code of a confirmed cause's fishbone category."""
    qs = closed_cases(user)
    if category is not None:
        qs = qs.filter(category_id__in=category_subtree_ids(category))
    if product_model.strip():
        qs = qs.filter(product_model__iexact=product_model.strip())
    if cause_category:
        qs = qs.filter(_confirmed_causes(category__code=cause_category))
    for word in text.split():
        term = Q(_confirmed_causes(text__icontains=word))
        for name in TEXT_FIELDS:
            term |= Q(**{f"{name}__icontains": word})
        qs = qs.filter(term)
    return qs.order_by("-closed_at", "-pk")


def with_solution(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The queryset with what a case row reads (category, root cause, actions) fetched at once."""
    return qs.select_related("category", "category__parent", "root_cause").prefetch_related(
        Prefetch("actions", queryset=CorrectiveAction.objects.order_by("created_at", "pk")),
        Prefetch(
            "root_cause__causes",
            queryset=Cause.objects.filter(verdict=CauseVerdict.CONFIRMED).select_related("category"),
            to_attr="confirmed_causes",
        ),
    )


def case_rows(complaints: Iterable[Complaint]) -> list[Case]:
    """Builds the library rows of a page of cases (a queryset passed through `with_solution`)."""
    rows = []
    for c in complaints:
        cause = c.root_cause
        confirmed = getattr(cause, "confirmed_causes", [])
        codes = list(dict.fromkeys(x.category.code for x in confirmed))
        labels = list(dict.fromkeys(x.category.label for x in confirmed))
        rows.append(
            Case(
                complaint_id=c.pk,
                reference=c.reference or "",
                category=str(c.category or ""),
                product_model=c.product_model,
                batch_number=c.batch_number,
                customer=mask_name(c.customer_name),
                customer_words=c.customer_words,
                handler_understanding=c.handler_understanding,
                cause_category=", ".join(codes),
                cause_category_label=", ".join(labels),
                root_cause=cause.description or "; ".join(x.text for x in confirmed),
                actions=tuple(
                    CaseAction(kind=a.get_kind_display(), description=a.description, status=a.get_status_display())
                    for a in c.actions.all()
                ),
                closed_at=c.closed_at,
                satisfaction=c.satisfaction,
                outcome_note=c.outcome_note,
            )
        )
    return rows


def _branch(category_id: int | None, parents: dict[int, int | None]) -> frozenset[int]:
    """A category and its parent: siblings under one parent count as the same kind of problem."""
    if category_id is None:
        return frozenset()
    return frozenset(path_to_root(parents, category_id)[:2])


def similar_cases(
    *, user: Any, category_id: int | None, product_model: str, words: str, exclude: int | None = None
) -> list[Case]:
    """Returns the closed cases most like a complaint being registered (rules.cases.rank_cases),
    best first, among the most recent ones the user may see. Constant queries."""
    if category_id is None and not product_model.strip() and not words.strip():
        return []
    parents = category_parents()
    if category_id is not None and category_id not in parents:
        category_id = None
    new = CaseFacts(category_ids=_branch(category_id, parents), product_model=product_model, terms=text_terms(words))
    candidates = (
        closed_cases(user)
        .exclude(pk=exclude)
        .order_by("-closed_at", "-pk")
        .values_list(
            "pk", "category_id", "product_model", "customer_words", "handler_understanding", "root_cause__description"
        )[:SUGGESTION_CANDIDATES]
    )
    facts = [
        (
            pk,
            CaseFacts(
                category_ids=_branch(cat, parents),
                product_model=model,
                terms=text_terms(" ".join([customer, understanding or "", cause or ""])),
            ),
        )
        for pk, cat, model, customer, understanding, cause in candidates
    ]
    best = rank_cases(new=new, cases=facts, shown=SUGGESTIONS_SHOWN)
    by_pk = {c.pk: c for c in with_solution(Complaint.objects.filter(pk__in=best))}
    return case_rows(by_pk[pk] for pk in best if pk in by_pk)
