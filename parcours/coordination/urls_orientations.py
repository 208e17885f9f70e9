"""URLs of the coordination of the parcours: orientations and admission requests (included in the
"coordination" namespace)."""

from django.urls import path

from parcours.coordination import views_orientations as views

urlpatterns = [
    path("personnes/<uuid:person_uuid>/demandes/", views.person_requests, name="person_requests"),
    path("personnes/<uuid:person_uuid>/demandes/nouvelle/", views.requests_send, name="requests_send"),
    path("etablissements/<uuid:establishment_uuid>/demandes/", views.received, name="received"),
    path("demandes/<uuid:request_uuid>/", views.request_detail, name="request"),
]
