"""URLs of the person's space: messages (included in the "portal" namespace by parcours/portal/urls.py)."""

from django.urls import path

from parcours.access.enums import PortalPower
from parcours.portal import placeholder

urlpatterns = [
    path("<uuid:person_uuid>/messages/", placeholder.section(PortalPower.MESSAGES), name="threads"),
]
