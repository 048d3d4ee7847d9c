"""The quality part of a complaint's life, through the real pages (client posts) or, for tests
that drive the process from code, through the services the pages call."""

from typing import Any

from django.test import Client

from complaints.choices import ActionKind, ActionStatus, CauseVerdict
from complaints.models import CauseCategory, Complaint
from complaints.services import quality

FIVE_W_TWO_H = {
    "what": "Fridge door scratched on delivery.",
    "why": "The customer received a damaged new product.",
    "who": "Delivery crew B; found by the customer.",
    "where": "Customer's kitchen, Pudong.",
    "when": "At delivery, 2026-11-20.",
    "how": "Customer unpacked and saw a 20 cm scratch.",
    "how_much": "1 unit; 3 similar cases this month.",
}
PAGE = "/workflow/flows/complaint/{pk}/{path}"


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_page(user: Any, complaint: Complaint, path: str, data: dict[str, Any], expect: int = 302) -> Any:
    response = client_of(user).post(PAGE.format(pk=complaint.pk, path=path), data)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def cause_data(category: str, text: str, verdict: str = CauseVerdict.CONFIRMED, **extra: Any) -> dict[str, Any]:
    return {
        "category": str(CauseCategory.objects.get(code=category).pk),
        "text": text,
        "verdict": verdict,
        "evidence": "Checked on the delivery records." if verdict == CauseVerdict.CONFIRMED else "",
        **extra,
    }


def action_data(kind: str, description: str, causes: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "area": "process" if kind == ActionKind.PERMANENT else "customer",
        "description": description,
        "causes": [str(c.pk) for c in causes],
        "due_date": "",
        "cost": "",
        **extra,
    }


def describe_and_confirm(user: Any, complaint: Complaint) -> None:
    """5W2H and one confirmed cause through the complaint's pages."""
    post_page(user, complaint, "problem/", FIVE_W_TWO_H)
    post_page(user, complaint, "causes/add/", cause_data("method", "No corner guards in the packing SOP."))


def plan_and_do_permanent(user: Any, complaint: Complaint) -> None:
    """One permanent action for the confirmed causes, reported done, through the pages."""
    causes = [c for c in complaint.root_cause.causes.all() if c.verdict == CauseVerdict.CONFIRMED]
    post_page(user, complaint, "actions/add/", action_data(ActionKind.PERMANENT, "SOP requires corner guards.", causes))
    action = complaint.actions.filter(kind=ActionKind.PERMANENT).latest("pk")
    post_page(
        user,
        complaint,
        f"actions/{action.pk}/progress/",
        {"status": ActionStatus.DONE, "evidence": "SOP v3 issued.", "seen_status": action.status},
    )


def verify_open(user: Any, complaint: Complaint) -> None:
    """Every done permanent action verified effective through its page."""
    for action in complaint.actions.filter(kind=ActionKind.PERMANENT, status=ActionStatus.DONE):
        post_page(user, complaint, f"actions/{action.pk}/verify/", {"effective": "yes", "evidence": "30 checked."})


def records_by_service(complaint: Complaint, user: Any) -> None:
    """The analysis and one permanent action done and verified, through the services (for tests
    and the demo that drive the process from code)."""
    quality.problem_describe(complaint=complaint, actor=user, answers=FIVE_W_TWO_H)
    cause = quality.cause_record(
        complaint=complaint,
        actor=user,
        category=CauseCategory.objects.get(code="method"),
        text="No corner guards.",
        evidence="Packing records.",
        verdict=CauseVerdict.CONFIRMED,
    )
    action = quality.action_plan(
        complaint=complaint, actor=user, kind=ActionKind.PERMANENT, description="SOP.", causes=[cause]
    )
    quality.action_move(action=action, actor=user, status=ActionStatus.DONE, evidence="Issued.")
