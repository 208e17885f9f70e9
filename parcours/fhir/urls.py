from django.urls import include, path, re_path

from parcours.fhir import views

app_name = "fhir"

TYPE = r"(?P<resource_type>[A-Z][A-Za-z]+)"
ID = r"(?P<resource_id>[0-9a-fA-F-]{1,64})"
OP = r"\$(?P<name>[a-z][a-z-]*)"

urlpatterns = [
    path("auth/", include("parcours.fhir.urls_auth")),
    path("", include("parcours.fhir.urls_bulk")),
    path("metadata", views.metadata, name="metadata"),
    re_path(r"^$", views.root, name="root"),
    re_path(rf"^{OP}$", views.operation, name="system_operation"),
    re_path(rf"^{TYPE}/{OP}$", views.operation, name="type_operation"),
    re_path(rf"^{TYPE}/{ID}/{OP}$", views.operation, name="instance_operation"),
    re_path(rf"^{TYPE}$", views.type_endpoint, name="type"),
    re_path(rf"^{TYPE}/_search$", views.search_post, name="search"),
    re_path(rf"^{TYPE}/{ID}$", views.instance_endpoint, name="instance"),
    re_path(rf"^{TYPE}/{ID}/_history$", views.history, name="history"),
    re_path(rf"^{TYPE}/{ID}/_history/(?P<version>[0-9]{{1,9}})$", views.vread, name="vread"),
]
