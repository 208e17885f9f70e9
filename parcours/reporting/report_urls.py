"""The reports of an establishment, under /tableaux-de-bord/ (namespace "reporting")."""

from django.urls import path

from parcours.reporting import report_views

urlpatterns = [
    path(
        "etablissement/<int:pk>/rapport-activite/<int:year>/",
        report_views.activity_report,
        name="activity_report",
    ),
    path(
        "etablissement/<int:pk>/rapport-activite/<int:year>.pdf",
        report_views.activity_report_pdf,
        name="activity_report_pdf",
    ),
    path("etablissement/<int:pk>/serafin-ph/", report_views.serafin_summary, name="serafin_summary"),
    path(
        "etablissement/<int:pk>/serafin-ph.csv", report_views.serafin_summary_csv, name="serafin_summary_csv"
    ),
    path(
        "etablissement/<int:pk>/serafin-ph.xlsx",
        report_views.serafin_summary_xlsx,
        name="serafin_summary_xlsx",
    ),
]
