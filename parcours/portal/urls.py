from django.urls import include, path

from parcours.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("facile-a-lire/", views.easy_read_switch, name="easy_read"),
    # Each section's module adds its own URLs to this namespace.
    path("", include("parcours.portal.urls_accounts")),
    path("", include("parcours.portal.urls_day")),
    path("", include("parcours.portal.urls_projet")),
    path("", include("parcours.portal.urls_messages")),
    path("", include("parcours.portal.urls_privacy")),
    path("", include("parcours.portal.urls_evaluations")),
    path("", include("parcours.portal.urls_circle")),
]
