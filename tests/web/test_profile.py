"""UX item 5: a profile page where people set how they are reached (channels, gateway address,
quiet hours) and their language themselves, and see their departments and roles."""

from datetime import time

from complaints.choices import ChannelKind
from complaints.models import NotificationChannel, NotificationPreference, UserPreference
from tests.flows.test_flows__journey import as_user

URL = "/workflow/profile/"


def test_the_page_shows_departments_roles_and_the_name_in_chinese_order(org, agent):
    agent.first_name, agent.last_name = "芳", "王"
    agent.save()
    page = as_user(agent).get(URL).content.decode()
    assert "王芳" in page and "芳 王" not in page
    assert "Store A" in page and "Agent" in page and "registers complaints" in page


def test_channels_and_quiet_hours_are_saved_for_the_user_only(org, agent, agent_b):
    sms = NotificationChannel.objects.create(
        code="sms", name="SMS", kind=ChannelKind.WEBHOOK, url="http://127.0.0.1:9/", secret="s", timeout_seconds=2
    )
    response = as_user(agent).post(
        URL,
        {
            "channels": [sms.pk],
            "gateway_address": "+8613800000000",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "time_zone": "Asia/Shanghai",
        },
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=agent)
    assert list(preference.channels.all()) == [sms]
    assert (preference.quiet_start, preference.quiet_end) == (time(22), time(7))
    assert preference.gateway_address == "+8613800000000" and preference.time_zone == "Asia/Shanghai"
    assert not NotificationPreference.objects.filter(user=agent_b).exists()


def test_impossible_quiet_hours_are_refused_beside_the_field_and_change_nothing(org, agent):
    response = as_user(agent).post(URL, {"quiet_start": "22:00", "quiet_end": "", "time_zone": ""})
    assert response.status_code == 200
    assert "Give both ends of the quiet hours, or neither." in response.content.decode()
    assert not NotificationPreference.objects.filter(user=agent).exists()
    response = as_user(agent).post(URL, {"time_zone": "Mars/Base"})
    assert "is not a known time zone" in response.content.decode()


def test_an_inactive_channel_is_not_offered_nor_accepted(org, agent):
    old = NotificationChannel.objects.create(code="old", name="Old mail", kind=ChannelKind.EMAIL, active=False)
    page = as_user(agent).get(URL).content.decode()
    assert "Old mail" not in page
    response = as_user(agent).post(URL, {"channels": [old.pk]})
    assert response.status_code == 200
    assert not NotificationPreference.objects.filter(user=agent).exists()


def test_the_language_switch_on_the_page_stores_the_choice(org, agent):
    client = as_user(agent)
    page = client.get(URL).content.decode()
    assert 'name="language" value="zh-hans"' in page
    response = client.post("/preferences/language/", {"language": "zh-hans", "next": URL})
    assert response.status_code == 302 and response["Location"] == URL
    assert UserPreference.objects.get(user=agent).language == "zh-hans"
    assert "我的资料" in client.get(URL).content.decode()


def test_the_profile_is_for_logged_in_people_only(client):
    assert client.get(URL).status_code in (302, 403)
