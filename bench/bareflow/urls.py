"""The bare flow's pages, as viewflow's cookbook mounts a flow (bench/lifecycle.py only)."""

from django.urls import path
from viewflow.urls import Site
from viewflow.workflow.flow import FlowAppViewset

from bench.bareflow.flows import BareFlow

site = Site(title="Bare viewflow", viewsets=[FlowAppViewset(BareFlow, icon="assignment")])
urlpatterns = [path("", site.urls)]
