"""The customer's pages, under /customer/ (no staff shell, no login)."""

from django.urls import URLPattern, URLResolver

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = []
