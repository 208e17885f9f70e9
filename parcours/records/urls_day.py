"""URLs of the team's side of the person's day: presence and agenda (included by records/urls.py)."""

from django.urls import path

from parcours.records import views_day

urlpatterns = [
    path("<uuid:person_uuid>/journee/", views_day.day, name="day"),
    path("<uuid:person_uuid>/journee/presence/", views_day.presence, name="presence"),
    path("<uuid:person_uuid>/journee/agenda/nouveau/", views_day.agenda_create, name="agenda_create"),
    path(
        "<uuid:person_uuid>/journee/agenda/<uuid:entry_uuid>/annuler/",
        views_day.agenda_cancel,
        name="agenda_cancel",
    ),
    path("presences/<uuid:establishment_uuid>/", views_day.presence_sheet, name="presence_sheet"),
]
