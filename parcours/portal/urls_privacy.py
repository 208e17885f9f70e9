"""URLs of the person's space: privacy (included in the "portal" namespace by parcours/portal/urls.py)."""

from django.urls import path

from parcours.access.enums import PortalPower
from parcours.portal import placeholder

urlpatterns = [
    path("<uuid:person_uuid>/partage/", placeholder.section(PortalPower.CONSENTS), name="sharing"),
    path("<uuid:person_uuid>/mes-donnees/", placeholder.section(PortalPower.PRIVACY), name="privacy"),
]
