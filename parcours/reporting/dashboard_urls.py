from django.urls import path, register_converter

from parcours.reporting import views
from parcours.reporting.registry import Scope, ScopeKind

SLUGS = {
    ScopeKind.ESTABLISHMENT: "etablissement",
    ScopeKind.GESTIONNAIRE: "gestionnaire",
    ScopeKind.DEPARTMENT: "departement",
    ScopeKind.REGION: "region",
}
KINDS = {slug: kind for kind, slug in SLUGS.items()}


class ScopeConverter:
    """`etablissement/<pk>`, `gestionnaire/<pk>`, `departement/<code>`, `region/<code>` ↔ a Scope."""

    regex = r"(?:etablissement|gestionnaire)/[0-9]{1,18}|(?:departement|region)/[0-9A-Za-z]{1,3}"

    def to_python(self, value: str) -> Scope:
        slug, identifier = value.split("/")
        return Scope(KINDS[slug], identifier)

    def to_url(self, scope: Scope) -> str:
        return f"{SLUGS[scope.kind]}/{scope.identifier}"


register_converter(ScopeConverter, "dashboard_scope")

urlpatterns = [
    path("", views.index, name="index"),
    path("indicateurs/", views.indicator_list, name="indicators"),
    path("indicateurs/<slug:code>/", views.indicator_detail, name="indicator"),
    path("<dashboard_scope:scope>/", views.dashboard, name="dashboard"),
    path("<dashboard_scope:scope>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<dashboard_scope:scope>/export.csv", views.export_csv, name="export_csv"),
]
