from django.contrib import admin
from django.urls import include, path

from parcours.fhir import views as fhir_views

urlpatterns = [
    path("", include("parcours.core.urls")),
    path("compte/", include("parcours.accounts.urls")),
    path("personnes/", include("parcours.people.urls")),
    path("dossiers/", include("parcours.records.urls")),
    path("etablissements/", include("parcours.organisations.urls")),
    path("nomenclatures/", include("parcours.nomenclature.urls")),
    path("journal/", include("parcours.access.urls")),
    path("donnees/", include("parcours.privacy.urls")),
    path("conservation/", include("parcours.retention.urls")),
    path("tableaux-de-bord/", include("parcours.reporting.urls")),
    path("finances/", include("parcours.finance.urls")),
    path("portail/", include("parcours.portal.urls")),
    path("coordination/", include("parcours.coordination.urls")),
    # FHIR clients post transactions to the base URL itself, without the trailing slash.
    path("fhir", fhir_views.root, name="fhir_base"),
    path("fhir/", include("parcours.fhir.urls")),
    path("admin/", admin.site.urls),
]
