"""Each persona sees only what it may."""

from django.test import Client

from complaints.models import Complaint, RoutingRule
from tests.conftest import FLOW, START_URL, intake_data, open_task, task_url


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def register(agent, org):
    assert client_for(agent).post(START_URL, intake_data(org)).status_code == 302
    return Complaint.objects.latest("pk")


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    for url in ["/", "/workflow/inbox/", "/workflow/flows/complaint/1/", "/admin/"]:
        response = Client().get(url)
        assert response.status_code == 302 and "login/?next=" in response["Location"], url
    assert Client().get("/accounts/login/").status_code == 200


def test_an_agent_of_another_store_neither_sees_nor_opens_the_complaint(org, agent, agent_b):
    complaint = register(agent, org)
    task = open_task(complaint, FLOW.first_response)
    other = client_for(agent_b)
    for url in [
        f"/workflow/flows/complaint/{complaint.pk}/",
        f"/workflow/flows/complaint/{complaint.pk}/chart/",
        task_url(task, "detail"),
        task_url(task, "execute"),
    ]:
        assert other.get(url).status_code == 404, url
    assert other.post(task_url(task, "execute"), {"channel": "phone"}).status_code == 404
    listing = other.get("/workflow/flows/complaint/flows/").content.decode()
    assert complaint.reference not in listing
    assert complaint.reference not in other.get("/workflow/queue/").content.decode()
    assert client_for(agent).get(f"/workflow/flows/complaint/{complaint.pk}/").status_code == 200


def test_the_region_sees_its_stores_complaints(org, agent, regional_lead):
    complaint = register(agent, org)
    lead = client_for(regional_lead)
    assert lead.get(f"/workflow/flows/complaint/{complaint.pk}/").status_code == 200
    assert complaint.reference in lead.get("/workflow/flows/complaint/flows/").content.decode()


def test_a_user_without_the_role_cannot_claim_or_complete_a_task(org, agent, quality_engineer, regional_lead):
    complaint = register(agent, org)
    client_for(agent).post(
        task_url(open_task(complaint, FLOW.first_response), "execute"),
        {"channel": "phone", "summary": "Hi", "promise": "Call", "promised_by": "2099-01-01 10:00"},
    )
    verification = open_task(complaint, FLOW.verification)
    # the regional lead can see the complaint but is not a quality engineer
    lead = client_for(regional_lead)
    assert lead.post(task_url(verification, "assign")).status_code == 403
    assert lead.post(task_url(verification, "execute"), {"outcome": "valid"}).status_code == 403
    verification.refresh_from_db()
    assert verification.owner is None
    # claimed by quality, the task cannot be completed by someone else
    assert client_for(quality_engineer).post(task_url(verification, "assign")).status_code == 302
    assert lead.post(task_url(verification, "execute"), {"outcome": "valid"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.stage == "verification"


def test_a_user_without_a_registering_role_cannot_register(org, quality_engineer, outsider):
    assert client_for(quality_engineer).get(START_URL).status_code == 403
    assert client_for(outsider).post(START_URL, intake_data(org)).status_code == 403
    assert Complaint.objects.count() == 0


def test_outsider_without_membership_is_refused_the_workflow(org, outsider):
    assert client_for(outsider).get("/workflow/inbox/").status_code == 403


def test_intake_without_configuration_explains_and_keeps_nothing(org, agent):
    RoutingRule.objects.all().delete()
    client = Client()
    client.force_login(agent)
    response = client.post(START_URL, intake_data(org))
    assert response.status_code == 503
    assert "default routing rule" in response.content.decode()
    assert Complaint.objects.count() == 0
