"""UX item 5: the "+" (start) button only for people who may register, straight to the intake
page; and the registration message says what triage decided ("P0 at HQ — alerted: …")."""

from django.contrib.messages import get_messages

from complaints.models import Category, Complaint
from tests.conftest import START_URL, intake_data
from tests.flows.test_flows__escalation import staff  # noqa: F401 - the fixture
from tests.flows.test_flows__journey import as_user

INBOX = "/workflow/inbox/"


def test_the_start_button_shows_for_registrants_only_and_opens_the_intake_page(org, agent, quality_engineer):
    page = as_user(agent).get(INBOX).content.decode()
    assert 'class="rd-start-fab"' in page and f'href="{START_URL}"' in page
    page = as_user(quality_engineer).get(INBOX).content.decode()
    assert "rd-start-fab" not in page and "vf-dialog__trigger" not in page


def test_registration_tells_the_agent_what_triage_decided(org, agent):
    response = as_user(agent).post(START_URL, intake_data(org))
    assert response.status_code == 302
    complaint = Complaint.objects.latest("pk")
    told = [str(m) for m in get_messages(response.wsgi_request)]
    assert told == [
        f"Complaint {complaint.reference} registered: {complaint.priority} at {complaint.level}, "
        f"{complaint.department}."
    ]


def test_a_p0_registration_names_who_was_alerted(org, agent, staff, django_capture_on_commit_callbacks):  # noqa: F811
    battery = Category.objects.get(code="power-battery")
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(agent).post(
            START_URL,
            intake_data(
                org,
                category=str(battery.pk),
                plate_or_vin="沪AD12345",
                customer_words="高速上突然断电，车停在应急车道，孩子也在车上",
                answer_service_type="roadside",
                answer_rescue_order_no="R2026112201",
                answer_rescue_location="G60 K32",
                answer_fault_type="power_loss",
                answer_on_highway="yes",
            ),
        )
    complaint = Complaint.objects.latest("pk")
    assert complaint.priority.code == "P0"
    (told,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"{complaint.priority} at {complaint.level}" in told and "— alerted: " in told
    assert "lead_east" in told and "ceo_office" in told


def test_an_intake_form_coming_back_with_an_error_names_the_files_to_choose_again(org, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("scratch.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    data = intake_data(org, customer_phone="not a phone")
    response = as_user(agent).post(START_URL, {**data, "attachments": [photo]})
    assert response.status_code == 200
    assert "Nothing was saved, so choose these files again: scratch.png." in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_start_page_speaks_the_domains_words_in_both_languages(org, agent):
    """viewflow's generic "Start" / "Start and continue" give way to what the buttons do."""
    client = as_user(agent)
    page = client.get(START_URL).content.decode()
    assert "Register the complaint" in page and "Register and open my next task" in page
    assert ">New complaint<" in page.replace("</a>", "<").replace("<a>", ">")
    assert "Start and continue" not in page and ">Start<" not in page.replace(" ", "")
    assert client.post("/preferences/language/", {"language": "zh-hans", "next": START_URL}).status_code == 302
    page = client.get(START_URL).content.decode()
    assert "登记投诉" in page and "登记并打开我的下一个任务" in page and "新投诉" in page
