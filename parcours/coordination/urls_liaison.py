"""URLs of the coordination of the parcours: liaison files (included in the "coordination" namespace)."""

from django.urls import path

from parcours.coordination import views_liaison as views

urlpatterns = [
    path(
        "personnes/<uuid:person_uuid>/liaison/nouveau/",
        views.liaison_prepare,
        name="liaison_prepare",
    ),
    path("personnes/<uuid:person_uuid>/dossiers-de-liaison/", views.liaisons, name="liaisons"),
    path(
        "etablissements/<uuid:establishment_uuid>/dossiers-de-liaison/",
        views.liaison_inbox,
        name="liaison_inbox",
    ),
    path("dossiers-de-liaison/<uuid:uuid>/", views.liaison, name="liaison"),
    path("dossiers-de-liaison/<uuid:uuid>/annuler/", views.liaison_cancel, name="liaison_cancel"),
]
