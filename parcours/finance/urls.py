from django.urls import path

from parcours.finance import views

app_name = "finance"

urlpatterns = [
    path("", views.statement_list, name="list"),
    path("modele.csv", views.template_csv, name="template_csv"),
    path("modele.xlsx", views.template_xlsx, name="template_xlsx"),
    path("import/", views.import_upload, name="import"),
    path("import/<uuid:uuid>/", views.import_detail, name="import_detail"),
    path("import/<uuid:uuid>/confirmer/", views.import_apply, name="import_apply"),
    path("<uuid:uuid>/", views.statement_detail, name="detail"),
]
