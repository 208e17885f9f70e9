"""URLs of the coordination of the parcours: circle (included in the "coordination" namespace)."""

from django.urls import path

from parcours.coordination import views_circle as views

circle = "personnes/<uuid:person_uuid>/cercle/"

urlpatterns = [
    path("cercles/", views.my_circles, name="my_circles"),
    path(circle, views.circle, name="circle"),
    path(f"{circle}taches/", views.task_add, name="circle_task_add"),
    path(f"{circle}taches/<uuid:task_uuid>/faite/", views.task_complete, name="circle_task_complete"),
    path(f"{circle}taches/<uuid:task_uuid>/annuler/", views.task_cancel, name="circle_task_cancel"),
    path(f"{circle}agenda/", views.event_add, name="circle_event_add"),
    path(f"{circle}agenda/<uuid:event_uuid>/annuler/", views.event_cancel, name="circle_event_cancel"),
    path(f"{circle}membres/", views.members, name="circle_members"),
    path(f"{circle}membres/professionnel/", views.member_add, name="circle_member_add"),
    path(f"{circle}membres/proche/", views.carer_add, name="circle_carer_add"),
    path(f"{circle}membres/<uuid:member_uuid>/retirer/", views.member_leave, name="circle_member_leave"),
]
