"""URLs of the person's space: messages (included in the "portal" namespace by parcours/portal/urls.py).
The team's side of the same conversations lives under /portail/equipe/."""

from django.urls import path

from parcours.portal import views_messages as views

urlpatterns = [
    path("<uuid:person_uuid>/messages/", views.threads, name="threads"),
    path("<uuid:person_uuid>/messages/nouveau/", views.thread_create, name="thread_create"),
    path("<uuid:person_uuid>/messages/<uuid:thread_uuid>/", views.thread, name="thread"),
    path(
        "<uuid:person_uuid>/messages/<uuid:thread_uuid>/pieces-jointes/<uuid:message_uuid>/",
        views.attachment,
        name="attachment",
    ),
    path("equipe/messages/", views.staff_inbox, name="staff_inbox"),
    path("equipe/messages/<uuid:thread_uuid>/", views.staff_thread, name="staff_thread"),
    path(
        "equipe/messages/<uuid:thread_uuid>/pieces-jointes/<uuid:message_uuid>/",
        views.staff_attachment,
        name="staff_attachment",
    ),
    path(
        "equipe/personnes/<uuid:person_uuid>/messages/nouveau/",
        views.staff_thread_create,
        name="staff_thread_create",
    ),
]
