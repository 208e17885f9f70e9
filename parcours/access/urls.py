from django.urls import path

from parcours.access import views

app_name = "access"
urlpatterns = [
    path("personnes/<uuid:uuid>/", views.person_log, name="person_log"),
    path("utilisateurs/<uuid:uuid>/", views.user_log, name="user_log"),
    path("audit/", views.unusual_access, name="dpo"),
]
