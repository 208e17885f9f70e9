"""The bulk export's status and files, and the import's status (bulk.py). They authenticate by the
bearer token of the client that asked."""

from django.urls import path

from parcours.fhir import bulk

app_name = "fhir_bulk"

urlpatterns = [
    path("$export-status/<uuid:job_id>", bulk.export_status, name="export_status"),
    path("$export-file/<uuid:file_id>", bulk.export_file, name="export_file"),
    path("$import-status/<uuid:job_id>", bulk.import_status, name="import_status"),
]
