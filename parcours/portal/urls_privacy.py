"""URLs of the person's space: privacy (included in the "portal" namespace by parcours/portal/urls.py)."""

from django.urls import path

from parcours.portal import views_privacy

urlpatterns = [
    path("<uuid:person_uuid>/partage/", views_privacy.sharing, name="sharing"),
    path("<uuid:person_uuid>/partage/nouveau/", views_privacy.consent_create, name="consent_create"),
    path(
        "<uuid:person_uuid>/partage/<uuid:consent_uuid>/arreter/",
        views_privacy.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<uuid:person_uuid>/mes-donnees/", views_privacy.privacy_page, name="privacy"),
    path("<uuid:person_uuid>/mes-donnees/export/", views_privacy.privacy_export, name="privacy_export"),
    path(
        "<uuid:person_uuid>/mes-donnees/export/<uuid:export_uuid>/",
        views_privacy.privacy_export_download,
        name="privacy_export_download",
    ),
]
