"""Issue 20: the analysis and the corrective actions edited in place on the complaint page. The
quality card is a Turbo frame; its forms answer inside the same frame (a refusal shows there, a
save brings the card back with a message), and two people editing one record at once: the first
save wins, the second is told and keeps their text."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from complaints.choices import ActionKind, ActionStatus, CauseVerdict
from complaints.models import Cause, CauseCategory, RootCauseAnalysis
from complaints.rules import capa
from complaints.selectors.quality import cause_version, problem_version, responsibility_version
from complaints.services import quality
from flows import driver
from tests.conftest import FLOW, FMT, intake_data
from tests.quality_steps import FIVE_W_TWO_H, PAGE, client_of

FRAME = '<turbo-frame id="rd-quality-frame"'
TURBO = {"HTTP_TURBO_FRAME": "rd-quality-frame", "HTTP_X_REQUEST_FRAMEWORK": "Turbo"}


@pytest.fixture
def complaint(org: dict[str, Any], agent: Any, quality_engineer: Any) -> Any:
    """Verified: the agent (its handler) and quality may both record its analysis."""
    c = driver.start_complaint(user=agent, data=intake_data(org))
    later = (timezone.localtime() + timedelta(hours=2)).strftime(FMT)
    first = {"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": later}
    driver.complete_step(complaint=c, node=FLOW.first_response, user=agent, data=first)
    driver.complete_step(complaint=c, node=FLOW.verification, user=quality_engineer, data={"outcome": "valid"})
    c.refresh_from_db()
    return c


def frame_of(html: str) -> str:
    """The quality frame's content, as Turbo would cut it out of the response."""
    match = re.search(r'<turbo-frame id="rd-quality-frame"[^>]*>(.*?)</turbo-frame>', html, re.S)
    assert match, "no quality frame in the response"
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no {name} field"
    return match.group(1)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (["What", "Why"], ["What", "Why"], True),
        (["What", "Why"], ["What", "Why not"], False),
        (["ab", "c"], ["a", "bc"], False),  # the separator keeps fields apart
        ([None, ""], ["", ""], True),  # an empty answer is an empty answer
    ],
)
def test_fingerprint_changes_with_the_edited_values_only(a, b, same):
    assert (capa.fingerprint(a) == capa.fingerprint(b)) is same


def test_the_card_is_a_frame_and_its_forms_answer_in_the_same_frame(complaint, agent):
    client = client_of(agent)
    page = client.get(f"/workflow/flows/complaint/{complaint.pk}/").content.decode()
    card = frame_of(page)
    assert 'id="rd-quality"' in card
    # The links of the card stay in the frame; the report leaves it.
    assert f"/workflow/flows/complaint/{complaint.pk}/problem/" in card
    assert re.search(r'<a href="[^"]*/8d/" data-turbo-frame="_top">', card)

    form = client.get(PAGE.format(pk=complaint.pk, path="problem/"), **TURBO).content.decode()
    inside = frame_of(form)
    assert 'name="what"' in inside and 'name="seen_version"' in inside
    # Inside a frame a form without an action would post to the page's address: it names its own.
    assert f'action="/workflow/flows/complaint/{complaint.pk}/problem/"' in inside
    assert hidden(inside, "seen_version") == problem_version(None)


def test_a_refusal_shows_in_the_frame_and_a_save_brings_the_card_back_with_its_message(complaint, agent):
    client = client_of(agent)
    url = PAGE.format(pk=complaint.pk, path="responsibility/")
    # Bad input under Turbo: 422 (Turbo renders it), the message inside the frame, nothing stored.
    bad = client.post(url, {"party_1": "Carrier", "share_1": "120"}, **TURBO)
    assert bad.status_code == 422
    assert "100" in frame_of(bad.content.decode())
    assert not RootCauseAnalysis.objects.filter(complaint=complaint, responsibilities__isnull=False).exists()

    saved = client.post(url, {"party_1": "Carrier", "share_1": "60"}, **TURBO)
    assert saved.status_code == 302
    assert saved["Location"].endswith(f"/{complaint.pk}/?part=rd-part-work#rd-quality")
    back = client.get(saved["Location"], **TURBO).content.decode()
    card = frame_of(back)
    assert "Responsibility saved." in card and "Carrier 60 %" in card


def test_the_message_is_not_repeated_in_the_card_on_a_full_page(complaint, agent):
    client = client_of(agent)
    client.post(PAGE.format(pk=complaint.pk, path="problem/"), {**FIVE_W_TWO_H})
    page = client.get(f"/workflow/flows/complaint/{complaint.pk}/").content.decode()
    assert "rd-inplace__messages" not in frame_of(page)


def test_two_people_on_the_5w2h_first_save_wins_second_is_told_and_keeps_their_text(complaint, agent, quality_engineer):
    url = PAGE.format(pk=complaint.pk, path="problem/")
    mine, theirs = client_of(agent), client_of(quality_engineer)
    opened = hidden(mine.get(url).content.decode(), "seen_version")
    seen_by_them = hidden(theirs.get(url).content.decode(), "seen_version")
    assert theirs.post(url, {**FIVE_W_TWO_H, "seen_version": seen_by_them}).status_code == 302

    late = mine.post(url, {**FIVE_W_TWO_H, "what": "My own words.", "seen_version": opened}, **TURBO)
    assert late.status_code == 422
    answer = frame_of(late.content.decode())
    assert "Someone else saved the 5W2H while you were editing" in answer
    assert "My own words." in answer  # the text is not lost
    analysis = RootCauseAnalysis.objects.get(complaint=complaint)
    assert analysis.what == FIVE_W_TWO_H["what"]  # theirs stands
    # The form now carries the current version: saving again replaces theirs, knowingly.
    assert hidden(answer, "seen_version") == problem_version(analysis)
    again = mine.post(url, {**FIVE_W_TWO_H, "what": "My own words.", "seen_version": problem_version(analysis)})
    assert again.status_code == 302
    analysis.refresh_from_db()
    assert analysis.what == "My own words."


def test_a_cause_revised_by_someone_else_meanwhile_is_not_overwritten(complaint, agent, quality_engineer):
    method = CauseCategory.objects.get(code="method")
    cause = quality.cause_record(complaint=complaint, actor=agent, category=method, text="No guards.")
    opened = cause_version(cause)
    quality.cause_record(
        complaint=complaint,
        actor=quality_engineer,
        category=method,
        text="No guards.",
        evidence="Packing records.",
        verdict=CauseVerdict.CONFIRMED,
        cause=cause,
        seen_version=opened,
    )
    data = {"category": str(method.pk), "text": "Ruled out.", "verdict": CauseVerdict.RULED_OUT, "seen_version": opened}
    late = client_of(agent).post(PAGE.format(pk=complaint.pk, path=f"causes/{cause.pk}/"), data, **TURBO)
    assert late.status_code == 422
    assert "Someone else saved this cause" in frame_of(late.content.decode())
    cause = Cause.objects.get(pk=cause.pk)
    assert (cause.verdict, cause.evidence) == (CauseVerdict.CONFIRMED, "Packing records.")


def test_responsibility_changed_meanwhile_is_refused_by_the_service(complaint, agent, quality_engineer):
    opened = responsibility_version(None)
    quality.responsibility_set(complaint=complaint, actor=quality_engineer, shares=[(None, "Carrier", 100)])
    with pytest.raises(quality.QualityConflict) as refusal:
        quality.responsibility_set(
            complaint=complaint, actor=agent, shares=[(None, "Supplier", 50)], seen_version=opened
        )
    analysis = RootCauseAnalysis.objects.get(complaint=complaint)
    assert refusal.value.version == responsibility_version(analysis)
    assert [r.party for r in analysis.responsibilities.all()] == ["Carrier"]


def test_action_progress_conflict_refreshes_the_seen_status(complaint, agent, quality_engineer):
    action = quality.action_plan(complaint=complaint, actor=agent, kind=ActionKind.TEMPORARY, description="Loaner.")
    quality.action_move(action=action, actor=quality_engineer, status=ActionStatus.IN_PROGRESS)
    url = PAGE.format(pk=complaint.pk, path=f"actions/{action.pk}/progress/")
    late = client_of(agent).post(url, {"status": ActionStatus.DONE, "evidence": "x", "seen_status": "planned"}, **TURBO)
    assert late.status_code == 422
    answer = frame_of(late.content.decode())
    assert "Someone changed this action meanwhile" in answer
    assert hidden(answer, "seen_status") == ActionStatus.IN_PROGRESS


def test_in_place_forms_keep_their_query_budget(complaint, agent, django_assert_max_num_queries):
    client: Client = client_of(agent)
    client.get(PAGE.format(pk=complaint.pk, path="problem/"))  # warm the session and caches
    with django_assert_max_num_queries(40):
        assert client.get(PAGE.format(pk=complaint.pk, path="problem/"), **TURBO).status_code == 200
    with django_assert_max_num_queries(40):
        response = client.post(PAGE.format(pk=complaint.pk, path="problem/"), FIVE_W_TWO_H, **TURBO)
        assert response.status_code == 302
