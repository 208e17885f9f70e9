from django.urls import path

from parcours.access import views

app_name = "access"
urlpatterns = [
    path("personnes/<uuid:uuid>/", views.person_log, name="person_log"),
    path("personnes/<uuid:uuid>/consentements/nouveau/", views.consent_create, name="consent_create"),
    path(
        "personnes/<uuid:uuid>/consentements/<uuid:consent_uuid>/retirer/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("personnes/<uuid:uuid>/limitation/nouvelle/", views.restriction_create, name="restriction_create"),
    path(
        "personnes/<uuid:uuid>/limitation/<uuid:restriction_uuid>/lever/",
        views.restriction_lift,
        name="restriction_lift",
    ),
    path("urgence/", views.break_glass_open, name="break_glass_open"),
    path("urgences/", views.break_glass_list, name="break_glass_list"),
    path("urgences/<uuid:uuid>/", views.break_glass_detail, name="break_glass_detail"),
    path("utilisateurs/<uuid:uuid>/", views.user_log, name="user_log"),
    path("audit/", views.unusual_access, name="dpo"),
]
