"""URLs of the person's space: projet (included in the "portal" namespace by parcours/portal/urls.py)."""

from django.urls import path

from parcours.portal import views_projet

urlpatterns = [
    path("<uuid:person_uuid>/projet/", views_projet.projet, name="projet"),
    path(
        "<uuid:person_uuid>/projet/<uuid:projet_uuid>/accord/", views_projet.projet_agree, name="projet_agree"
    ),
    path(
        "<uuid:person_uuid>/projet/<uuid:projet_uuid>/changements/",
        views_projet.projet_changes,
        name="projet_changes",
    ),
    path(
        "<uuid:person_uuid>/projet/<uuid:projet_uuid>/commentaire/",
        views_projet.projet_comment,
        name="projet_comment",
    ),
    path(
        "<uuid:person_uuid>/projet/<uuid:projet_uuid>/historique/",
        views_projet.projet_history,
        name="projet_history",
    ),
    path(
        "<uuid:person_uuid>/projet/<uuid:projet_uuid>/versions/<int:number>/",
        views_projet.projet_version,
        name="projet_version",
    ),
]
