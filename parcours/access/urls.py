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
    path("utilisateurs/<uuid:uuid>/", views.user_log, name="user_log"),
    path("audit/", views.unusual_access, name="dpo"),
]
