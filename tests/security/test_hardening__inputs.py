"""Hostile input made inert or refused with a message: CR/LF in mail headers, formulas in CSV
exports, markup in an admin's help text, over-long and oversized descriptions, dates in year 1."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.choices import FieldKind
from complaints.models import Complaint, FormField, Notification, ProcessSettings
from complaints.rules.text import csv_cell, header_value, without_bidi_controls
from complaints.selectors.export import complaint_table
from complaints.services.intake_forms import form_draft
from complaints.services.notify import NotificationFailed, notification_send
from flows import driver
from tests.conftest import START_URL, intake_data
from tests.exports import admin_exported


@pytest.fixture
def superuser(db: Any) -> Any:
    return get_user_model().objects.create_superuser(username="sec_admin", password="x", email="s@example.com")


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("raw", "inert"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Zhou Wei", "Zhou Wei"),
        ("", ""),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(raw, inert):
    assert csv_cell(raw) == inert


def test_header_values_lose_line_breaks_controls_and_direction_overrides():
    assert header_value("Zhou\r\nBcc: x@example.com") == "Zhou Bcc: x@example.com"
    assert header_value("A\u2028B\x00C\u202eD") == "A B C" + "D"
    assert without_bidi_controls("abc\u202egnp.exe\u2066") == "abcgnp.exe"


def test_every_complaint_export_cell_is_neutralised(org, agent):
    driver.start_complaint(
        user=agent,
        data=intake_data(org, customer_name="=cmd|' /C calc'!A0", customer_words="@SUM(1+1)*cmd|' /C calc'!A0"),
    )
    headers, rows = complaint_table(Complaint.objects.all(), language="en")
    row = next(rows)
    assert "'=cmd|' /C calc'!A0" in row
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in row
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in [*headers, *row])


def test_the_admin_export_and_the_command_neutralise_formulas(
    org, agent, superuser, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    driver.start_complaint(user=agent, data=intake_data(org, customer_name="=1+1"))
    out = StringIO()
    call_command("complaints_export", "--language", "en", "--user", superuser.username, stdout=out)
    assert "'=1+1" in out.getvalue() and ",=1+1" not in out.getvalue()
    rows = admin_exported(
        client_of(superuser), [c.pk for c in Complaint.objects.all()], django_capture_on_commit_callbacks
    )
    cells = [cell for row in rows for cell in row if "1+1" in cell]
    assert cells and all(cell == "'=1+1" for cell in cells)


def test_a_customer_name_with_cr_lf_does_not_break_the_alert_mail(org, agent):
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    row = Notification.objects.create(
        key="t-crlf",
        event="p0",
        complaint=complaint,
        address="lead@example.com\r\nBcc: spy@example.com",
        subject="P0: Zhou\r\nBcc: spy@example.com\u202e",
        body="Call the customer.",
    )
    mail.outbox.clear()
    assert notification_send(notification_id=row.pk) is True
    sent = mail.outbox[-1]
    assert sent.subject == "P0: Zhou Bcc: spy@example.com"
    assert sent.to == ["lead@example.com Bcc: spy@example.com"] or "spy@example.com" not in sent.bcc
    assert "\n" not in sent.subject and not sent.bcc


def test_a_mail_that_failed_for_good_is_listed_for_the_admin(org, agent, superuser, settings):
    settings.EMAIL_BACKEND = "tests.security.test_hardening__inputs.FailingBackend"
    ProcessSettings.objects.update(notification_max_attempts=1)
    complaint = driver.start_complaint(user=agent, data=intake_data(org))
    row = Notification.objects.create(
        key="t-fail", event="p0", complaint=complaint, address="a@example.com", subject="P0", body="x"
    )
    with pytest.raises(NotificationFailed):
        notification_send(notification_id=row.pk)
    page = client_of(superuser).get(reverse("admin:complaints_notification_changelist") + "?status=failed")
    text = page.content.decode()
    assert page.status_code == 200
    assert "a@example.com" in text and "relay refused" in text
    assert "Failed, no attempts left" in text
    sent = client_of(superuser).get(reverse("admin:complaints_notification_changelist") + "?status=sent")
    assert "a@example.com" not in sent.content.decode()


class FailingBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("relay refused")


def test_an_admins_help_text_is_shown_as_text_in_the_form_preview(org, superuser):
    draft = form_draft(category=org["category"], actor=superuser)
    FormField.objects.create(
        version=draft,
        position=10,
        key="serial",
        kind=FieldKind.SHORT_TEXT,
        label_en="Serial",
        label_zh_hans="序列号",
        help_en='<img src=x onerror="alert(1)"><script>alert(2)</script>',
        help_zh_hans="<svg onload=alert(3)>",
    )
    client = client_of(superuser)
    for look in ("customer", "agent"):
        url = reverse("admin:complaints_formversion_preview", args=[draft.pk]) + f"?look={look}"
        text = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Serial" in text or "序列号" in text
        assert "<script>alert(2)" not in text and "<img src=x" not in text and "<svg onload" not in text
        # Escaped once: crispy shows it as text; viewflow's component gets it as an attribute and
        # puts it in as HTML, which then shows the text.
        assert "&lt;script&gt;alert(2)" in text or "&amp;lt;script&amp;gt;alert(2)" in text or "&lt;svg" in text


def test_a_description_over_the_admins_limit_is_refused_on_the_form(org, agent):
    ProcessSettings.objects.update(description_max_chars=500)
    response = client_of(agent).post(START_URL, intake_data(org, customer_words="长" * 501))
    assert response.status_code == 200
    assert "at most 500 characters" in response.content.decode()
    assert not Complaint.objects.exclude(reference=None).exists()


def test_a_10_mb_description_gets_the_form_back_with_a_message_and_nothing_saved(org, agent):
    client = client_of(agent)
    response = client.post(START_URL, intake_data(org, customer_words="x" * (10 * 1024 * 1024)))
    assert response.status_code == 303 and response["Location"] == START_URL
    page = client.get(START_URL)
    assert page.status_code == 200
    assert "too large to receive" in page.content.decode()
    assert not Complaint.objects.exclude(reference=None).exists()


@pytest.mark.parametrize("when", ["0001-01-01 00:00", "9999-12-31 23:59", "1899-12-31 23:00"])
def test_a_date_far_outside_any_complaint_is_refused_with_a_message(org, agent, when):
    data = intake_data(org, occurred_at=when)
    response = client_of(agent).post(START_URL, data)
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2200" in response.content.decode()
    assert not Complaint.objects.exclude(reference=None).exists()
    later = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    assert (
        client_of(agent).post(START_URL, intake_data(org, occurred_at="", promised_response_at=later)).status_code
        == 302
    )
