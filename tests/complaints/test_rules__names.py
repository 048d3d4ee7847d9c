"""UX item 5: a user's full name reads in the order of its script (王芳, not 芳 王), through one
helper used by services, selectors and templates alike."""

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from complaints.rules.names import full_name, person_name


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("芳", "王", "王芳"),
        ("小明", "欧阳", "欧阳小明"),
        ("Wei", "Zhou", "Wei Zhou"),
        ("Anna", "", "Anna"),
        ("", "王", "王"),
        (" 芳 ", " 王 ", "王芳"),
        ("", "", ""),
    ],
)
def test_full_name_follows_the_script(first, last, expected):
    assert full_name(first=first, last=last) == expected


def test_person_name_falls_back_to_the_login_and_to_nothing():
    user_model = get_user_model()
    assert person_name(user_model(username="wangf", first_name="芳", last_name="王")) == "王芳"
    assert person_name(user_model(username="wangf")) == "wangf"
    assert person_name(None) == ""


def test_the_template_filter_uses_the_same_rule():
    user = get_user_model()(username="wangf", first_name="芳", last_name="王")
    html = Template("{% load redress %}{{ user|person }}").render(Context({"user": user}))
    assert html == "王芳"
