from django.urls import path

from parcours.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("simulations/", views.start_dry_run, name="start"),
    path("simulations/<uuid:uuid>/", views.run_detail, name="run"),
    path("simulations/<uuid:uuid>/etat/", views.run_status, name="run_status"),
    path("simulations/<uuid:uuid>/appliquer/", views.apply_run, name="apply"),
    path("regles/", views.rules, name="rules"),
    path("regles/<str:category>/", views.rule_edit, name="rule_edit"),
    path("registre/", views.registre, name="registre"),
]
