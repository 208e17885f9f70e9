"""URLs of the person's space: day (included in the "portal" namespace by parcours/portal/urls.py)."""

from django.urls import path

from parcours.portal import views_day

urlpatterns = [
    path("<uuid:person_uuid>/aujourdhui/", views_day.day, name="day"),
    path("<uuid:person_uuid>/aujourdhui/direct/", views_day.day_live, name="day_live"),
]
