"""URLs of the coordination of the parcours: the circle's conversations and the user's notices
(included in the "coordination" namespace)."""

from django.urls import path

from parcours.coordination import views_circle_messages, views_notifications

urlpatterns = [
    path(
        "personnes/<uuid:person_uuid>/cercle/conversations/",
        views_circle_messages.circle_threads,
        name="circle_threads",
    ),
    path(
        "personnes/<uuid:person_uuid>/cercle/conversations/nouvelle/",
        views_circle_messages.circle_thread_create,
        name="circle_thread_create",
    ),
    path(
        "personnes/<uuid:person_uuid>/cercle/conversations/<uuid:thread_uuid>/",
        views_circle_messages.circle_thread,
        name="circle_thread",
    ),
    path("notifications/", views_notifications.notifications, name="notifications"),
    path("notifications/tout-lire/", views_notifications.mark_all_read, name="notifications_read_all"),
    path("notifications/<uuid:uuid>/", views_notifications.notification, name="notification"),
]
