from django.urls import include, path

from parcours.people import views as people_views
from parcours.records import views

app_name = "records"
urlpatterns = [
    path("<uuid:person_uuid>/chronologie/", views.timeline, name="timeline"),
    # Presence and agenda (the person's day, shown in their space)
    path("", include("parcours.records.urls_day")),
    # Identity-related parts of the record (written by parcours.people.services)
    path("<uuid:person_uuid>/proches/nouveau/", people_views.relative_form, name="relative_create"),
    path(
        "<uuid:person_uuid>/proches/<uuid:relative_uuid>/", people_views.relative_form, name="relative_edit"
    ),
    path(
        "<uuid:person_uuid>/protections/nouvelle/", people_views.protection_create, name="protection_create"
    ),
    path("<uuid:person_uuid>/deficiences/", people_views.deficiencies_edit, name="deficiencies_edit"),
    path("<uuid:person_uuid>/mdph/nouvelle/", people_views.mdph_create, name="mdph_create"),
    # Admissions and exits
    path("<uuid:person_uuid>/admissions/nouvelle/", views.admission_create, name="admission_create"),
    path(
        "<uuid:person_uuid>/admissions/<uuid:admission_uuid>/sortie/",
        views.admission_exit,
        name="admission_exit",
    ),
    path(
        "<uuid:person_uuid>/admissions/<uuid:admission_uuid>/modifier/",
        views.admission_edit,
        name="admission_edit",
    ),
    # Needs assessments and projets personnalisés
    path("<uuid:person_uuid>/evaluations/nouvelle/", views.assessment_create, name="assessment_create"),
    path(
        "<uuid:person_uuid>/evaluations/<uuid:assessment_uuid>/",
        views.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "<uuid:person_uuid>/evaluations/<uuid:assessment_uuid>/modifier/",
        views.assessment_edit,
        name="assessment_edit",
    ),
    path("<uuid:person_uuid>/projets/nouveau/", views.projet_create, name="projet_create"),
    path("<uuid:person_uuid>/projets/<uuid:projet_uuid>/", views.projet_detail, name="projet_detail"),
    path("<uuid:person_uuid>/projets/<uuid:projet_uuid>/modifier/", views.projet_edit, name="projet_edit"),
    path("<uuid:person_uuid>/projets/<uuid:projet_uuid>/statut/", views.projet_status, name="projet_status"),
    # Daily work
    path("<uuid:person_uuid>/prestations/nouvelle/", views.service_create, name="service_create"),
    path(
        "<uuid:person_uuid>/prestations/<uuid:service_uuid>/corriger/",
        views.service_edit,
        name="service_edit",
    ),
    path("<uuid:person_uuid>/transmissions/nouvelle/", views.note_create, name="note_create"),
    path("<uuid:person_uuid>/documents/nouveau/", views.document_create, name="document_create"),
    path(
        "<uuid:person_uuid>/documents/<uuid:document_uuid>/",
        views.document_download,
        name="document_download",
    ),
]
