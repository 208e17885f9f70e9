from django.urls import path

from parcours.privacy import views

app_name = "privacy"
urlpatterns = [
    path("personnes/<uuid:uuid>/export/", views.person_exports, name="exports"),
    path("personnes/<uuid:uuid>/rectifications/", views.rectifications, name="rectifications"),
    path("exports/<uuid:uuid>/etat/", views.export_status, name="export_status"),
    path("exports/<uuid:uuid>/telecharger/", views.export_download, name="export_download"),
]
