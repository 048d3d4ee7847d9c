"""Custom steps where people read the case afterwards (issue 24): the 8D report prints a step's
answers in the D-section its point feeds, with who did it and when, on the page and in the PDF, in
both languages; the process chart names the steps at their points and, on a case, colours the
steps it ran (done, open)."""

from typing import Any

import pytest
from django.test import Client

from complaints.choices import StepPoint, StepRunStatus
from complaints.models import CustomStepRun
from complaints.rules.steps import BACK_TARGETS, EIGHT_D_SECTION
from tests.flows.test_flows__custom_steps import at_verification, do_step, make_step, with_form
from tests.flows.test_flows__journey import as_user, verify
from tests.flows.test_flows__quality import pdf_text


def test_every_point_prints_in_one_d_section() -> None:
    assert set(EIGHT_D_SECTION) == set(StepPoint.values) == set(BACK_TARGETS)
    assert EIGHT_D_SECTION["before_permanent_actions"] == "d5"  # a legal review before the permanent actions


@pytest.fixture
def case_with_steps(org: dict[str, Any], agent: Any, quality_engineer: Any) -> Any:
    """A complaint past verification whose legal review is done (with its answer and note) and whose
    PR sign-off is still open."""
    legal = make_step("legal")
    with_form(legal)
    make_step("pr", name_zh_hans="公关签发", name_en="PR sign-off")
    c = at_verification(agent, org)
    verify(quality_engineer, c)
    run = CustomStepRun.objects.get(case=c, step=legal)
    done = do_step(quality_engineer, run, {"answer_legal_ok": "yes", "note": "Contract checked."})
    assert done.status_code == 302, done.content.decode()[:2000]
    return c


def section(text: str, start: str, end: str) -> str:
    """The text between two D headings (D3 … D4)."""
    assert start in text and end in text, text[:2000]
    return text[text.index(start) : text.index(end)]


def test_the_8d_report_prints_the_steps_in_their_section_with_who_and_when(
    case_with_steps: Any, quality_engineer: Any
) -> None:
    c = case_with_steps
    client: Client = as_user(quality_engineer)
    page = client.get(f"/workflow/flows/complaint/{c.pk}/8d/?lang=en").content.decode()
    d3 = section(page, 'id="d3"', 'id="d4"')
    assert "Legal review" in d3 and "Legally fine?" in d3 and "Contract checked." in d3 and "quality_1" in d3
    assert "PR sign-off" in d3 and "Open" in d3  # still open: shown as such, with when it started
    assert "Legal review" not in section(page, 'id="d4"', 'id="d8"')

    text = pdf_text(client.get(f"/workflow/flows/complaint/{c.pk}/8d.pdf?lang=en").content)
    d3 = section(text, "D3", "D4")
    for expected in ("Legal review", "Custom step", "After verification", "Legally fine?", "Yes", "Contract checked."):
        assert expected in d3, expected
    assert "Done · quality_1" in d3
    # D1: the team names who did the step, with the step's name.
    assert "Legal review" in section(text, "D1", "D2")

    chinese = pdf_text(client.get(f"/workflow/flows/complaint/{c.pk}/8d.pdf?lang=zh-hans").content)
    d3 = section(chinese, "D3", "D4")
    for expected in ("法务审核", "核实之后", "Contract checked.", "quality_1", "公关签发"):
        assert expected in d3, expected


def test_a_reader_who_sees_the_case_masked_reads_the_steps_masked(case_with_steps: Any, outsider: Any) -> None:
    from complaints.services.privacy import eight_d_for

    c = case_with_steps
    run = CustomStepRun.objects.get(case=c, outcome=StepRunStatus.DONE)
    run.note = f"Called {c.customer_phone} about the contract."
    run.save(update_fields=["note"])
    _complaint, report = eight_d_for(user=outsider, complaint=c, export=False)
    notes = [row.run.note for row in report.steps["d3"] if row.run.note]
    assert notes and c.customer_phone not in notes[0] and "about the contract." in notes[0]


CHART_BUDGET = 14  # session, user, memberships, the scope check, the tasks, the runs: not one per step


def test_a_cases_chart_marks_the_steps_it_ran_at_their_point(
    case_with_steps: Any, quality_engineer: Any, django_assert_max_num_queries: Any
) -> None:
    c = case_with_steps
    client: Client = as_user(quality_engineer)
    with django_assert_max_num_queries(CHART_BUDGET):
        response = client.get(f"/workflow/flows/complaint/{c.pk}/chart/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    point = svg[svg.index('<g id="steps_after_verification"') :]
    point = point[: point.index("</g>\n")]
    assert 'class="rd-step rd-step--done"' in point and "✓ Legal review" in point and "Legal review · Done" in point
    assert 'class="rd-step rd-step--open"' in point and "… PR sign-off" in point
    assert "rd-step" not in svg[svg.index('<g id="steps_before_close"') :].split("</g>\n")[0]  # not reached

    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(f"/workflow/flows/complaint/{c.pk}/chart/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "✓ 法务审核" in chinese and "… 公关签发" in chinese


def test_the_flows_chart_names_the_steps_defined_at_each_point(org: dict[str, Any], quality_engineer: Any) -> None:
    make_step("legal", point="before_permanent_actions", name_en="Legal <b>review</b>")
    make_step("off", point="before_close", active=False)
    svg = as_user(quality_engineer).get("/workflow/flows/complaint/chart/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    point = svg[svg.index('<g id="steps_before_permanent_actions"') :].split("</g>\n")[0]
    assert "rd-step--defined" in point and "Legal &lt;b&gt;review&lt;/b&gt;" in point and "<b>" not in point
    assert "rd-step" not in svg[svg.index('<g id="steps_before_close"') :].split("</g>\n")[0]  # switched off
