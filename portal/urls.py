"""The customer's pages, under /customer/ (no staff shell, no login)."""

from django.urls import URLPattern, URLResolver, path

from portal import views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("new/", views.ComplaintNewView.as_view(), name="new"),
    path("t/<str:token>/", views.TrackView.as_view(), name="track"),
    path("t/<str:token>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("t/<str:token>/survey/", views.SurveyView.as_view(), name="survey"),
    path("t/<str:token>/appeal/", views.AppealView.as_view(), name="appeal"),
]
