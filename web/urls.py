"""Staff pages mounted outside viewflow's site (the ones inside it are viewsets in config/urls.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
