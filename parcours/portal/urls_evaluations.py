"""URLs of the person's space: evaluations (included in the "portal" namespace by parcours/portal/urls.py),
and the team's pages of the questionnaires (under equipe/)."""

from django.urls import path

from parcours.portal import views_evaluations as views

urlpatterns = [
    path("<uuid:person_uuid>/avis/", views.evaluation_list, name="evaluations"),
    path("<uuid:person_uuid>/avis/<uuid:questionnaire_uuid>/", views.evaluation, name="evaluation"),
    path("equipe/questionnaires/", views.staff_questionnaires, name="staff_questionnaires"),
    path(
        "equipe/questionnaires/nouveau/", views.staff_questionnaire_create, name="staff_questionnaire_create"
    ),
    path(
        "equipe/questionnaires/<uuid:uuid>/", views.staff_questionnaire_edit, name="staff_questionnaire_edit"
    ),
    path(
        "equipe/questionnaires/<uuid:uuid>/resultats/",
        views.staff_questionnaire_results,
        name="staff_questionnaire_results",
    ),
    path(
        "equipe/questionnaires/<uuid:uuid>/resultats.csv",
        views.staff_questionnaire_csv,
        name="staff_questionnaire_csv",
    ),
]
