from django.urls import path

from parcours.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_search, name="search"),
    path("nouvelle/", views.person_create, name="create"),
    path("<uuid:uuid>/", views.person_detail, name="detail"),
    path("<uuid:uuid>/modifier/", views.person_edit, name="edit"),
]
