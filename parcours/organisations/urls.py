from django.urls import path

from parcours.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.establishment_list, name="list"),
    path("<uuid:uuid>/", views.establishment_detail, name="detail"),
]
