"""Shared set-up for the complaint page tests."""

from typing import Any

from django.test import Client
from django.urls import reverse

from complaints.models import Complaint
from flows import driver
from tests.conftest import intake_data


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_complaint(org: dict[str, Any], agent: Any, **overrides: Any) -> Complaint:
    return driver.start_complaint(user=agent, data=intake_data(org, **overrides))


def page_url(complaint: Complaint, name: str = "process_detail") -> str:
    return reverse(f"workflow:flows:complaint:{name}", args=[complaint.pk])


def page(client: Client, complaint: Complaint, query: str = "") -> str:
    response = client.get(page_url(complaint) + query)
    assert response.status_code == 200
    return response.content.decode()
