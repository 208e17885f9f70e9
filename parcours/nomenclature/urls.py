from django.urls import path

from parcours.nomenclature import views

app_name = "nomenclature"
urlpatterns = [
    path("", views.system_list, name="list"),
    path("<slug:slug>/", views.system_detail, name="detail"),
]
