"""Direction-override characters in names stored before intake stripped them are neutralised
wherever the name is shown (they could make a name read backwards)."""

import pytest

from complaints.models import Complaint
from tests.web.page_helpers import as_user, new_complaint, page
from web.templatetags.redress import inert

pytestmark = pytest.mark.django_db

OVERRIDES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_the_filter_removes_every_direction_override() -> None:
    assert inert(f"Zhou{OVERRIDES}gnp.exe") == "Zhougnp.exe"
    assert inert(None) == ""


def test_a_stored_name_with_an_override_is_shown_without_it(org, agent):
    complaint = new_complaint(org, agent)
    Complaint.objects.filter(pk=complaint.pk).update(customer_name="Zhou\u202eieW")
    html = page(as_user(agent), complaint)
    assert "Zhou\u202e" not in html and "ZhouieW" in html
    inbox = as_user(agent).get("/workflow/inbox/").content.decode()
    assert "\u202e" not in inbox
