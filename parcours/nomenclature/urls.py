from django.urls import path

app_name = "nomenclature"
urlpatterns: list = []
