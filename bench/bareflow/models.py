# mypy: disable-error-code="var-annotated"
# (as complaints.models in pyproject.toml: viewflow's Process ships without type information, so the
# django-stubs plugin cannot infer the field types of a subclass.)
"""The bare process: a multi-table child of viewflow's Process, as Redress's Complaint is, with one
field per human step for its form to write."""

from django.db import models
from viewflow.workflow.models import Process


class BareComplaint(Process):
    customer_name = models.CharField(max_length=100)
    description = models.TextField()
    response = models.TextField(blank=True)
    valid = models.BooleanField(default=True)
    containment = models.TextField(blank=True)
    cause = models.TextField(blank=True)
    actions = models.TextField(blank=True)
    effective = models.BooleanField(default=True)
    confirmed = models.BooleanField(default=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
