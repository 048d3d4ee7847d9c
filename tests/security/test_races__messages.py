"""The loser of a race for a task hears who won, in their language, instead of a bare refusal."""

from typing import Any

from viewflow.workflow import STATUS

from flows import driver
from tests.conftest import FLOW, open_task, task_url
from tests.web.page_helpers import as_user, new_complaint


def test_the_colleague_who_claims_second_is_told_who_took_the_task(
    org: dict[str, Any], agent: Any, quality_engineer: Any, quality_engineer_2: Any
) -> None:
    complaint = new_complaint(org, agent)
    driver.complete_step(
        complaint=complaint,
        node=FLOW.first_response,
        user=agent,
        data={"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": "2099-01-01 10:00"},
    )
    verification = open_task(complaint, FLOW.verification)
    assert as_user(quality_engineer).post(task_url(verification, "assign")).status_code == 302
    second = as_user(quality_engineer_2)
    for action in ("assign", "execute"):
        response = second.post(task_url(verification, action), {"outcome": "valid"}, follow=True)
        assert response.status_code == 200
        assert f"{quality_engineer.get_full_name()} took this task first; nothing was changed." in (
            response.content.decode()
        )
    verification.refresh_from_db()
    assert verification.owner == quality_engineer and verification.status == STATUS.ASSIGNED
