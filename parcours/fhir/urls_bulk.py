"""The bulk export's status and files (bulk.py)."""

app_name = "fhir_bulk"

urlpatterns: list = []
