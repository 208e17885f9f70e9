"""URLs of the coordination of the parcours: waiting (included in the "coordination" namespace)."""

from django.urls import path

from parcours.coordination import views_waiting as views

urlpatterns = [
    path(
        "etablissements/<uuid:establishment_uuid>/liste-attente/",
        views.waiting_list,
        name="waiting_list",
    ),
    path(
        "etablissements/<uuid:establishment_uuid>/liste-attente/inscrire/",
        views.waiting_register,
        name="waiting_register",
    ),
    path("liste-attente/<uuid:entry_uuid>/priorite/", views.waiting_priority, name="waiting_priority"),
    path("liste-attente/<uuid:entry_uuid>/decision/", views.waiting_decide, name="waiting_decide"),
]
