from django.urls import include, path

app_name = "coordination"
urlpatterns = [
    # Each part's module adds its own URLs to this namespace.
    path("", include("parcours.coordination.urls_orientations")),
    path("", include("parcours.coordination.urls_waiting")),
    path("", include("parcours.coordination.urls_liaison")),
    path("", include("parcours.coordination.urls_circle")),
    path("", include("parcours.coordination.urls_notifications")),
]
