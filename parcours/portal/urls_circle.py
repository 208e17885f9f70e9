"""URLs of the person's space: the circle's conversations with the family (included in the "portal"
namespace by parcours/portal/urls.py)."""

from django.urls import path

from parcours.portal import views_circle as views

urlpatterns = [
    path("<uuid:person_uuid>/cercle/", views.circle_threads, name="circle_threads"),
    path("<uuid:person_uuid>/cercle/<uuid:thread_uuid>/", views.circle_thread, name="circle_thread"),
]
