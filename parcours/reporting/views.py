"""Dashboard pages, their exports, and the indicators' definitions.

Who sees what is `parcours.reporting.permissions`: a scope the user may not see answers 404; its
figures are masked or not as `access_to` says. The figures themselves are `dashboards.build_page`.
A page of several establishments seen in full may be narrowed to one FINESS category
(`?categorie=<code>`, one of the categories present in the scope): the access rules then apply to the
establishments of that category, and the drill-down, the comparison and the exports keep the
category. A masked page offers no filter: the categories' counts, subtracted from the whole scope's,
would give back a small count masked on another category's page.
Dashboards hold counts and aggregates only, never a person: they leave no access-log entry.
"""

from dataclasses import replace
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from parcours.reporting import dashboards, exports, permissions, registry
from parcours.reporting.disclosure import default_threshold
from parcours.reporting.forms import PeriodForm, categories_of, page_query
from parcours.reporting.registry import Disclosure, ScopeKind

CHILDREN_PER_PAGE = 25
KIND_HEADINGS = {
    ScopeKind.ESTABLISHMENT: "Établissements et services",
    ScopeKind.GESTIONNAIRE: "Organismes gestionnaires",
    ScopeKind.DEPARTMENT: "Départements",
    ScopeKind.REGION: "Régions",
}


def _access_or_404(user, scope):
    access = permissions.access_to(user, scope)
    if access is None:
        raise Http404("Tableau de bord introuvable.")
    return access


@require_GET
def index(request):
    """The scopes the user may open, by kind; a clear refusal for users without a reporting role."""
    scopes = permissions.dashboard_scopes(request.user)
    if not scopes:
        return render(request, "reporting/no_dashboard.html", status=403)
    names = dashboards.labels_of(scopes)
    groups = []
    for kind, heading in KIND_HEADINGS.items():
        members = [(scope, names[scope]) for scope in scopes if scope.kind == kind]
        if members:
            groups.append((heading, members))
    return render(request, "reporting/index.html", {"groups": groups})


def _children(request, scope, period, query: str, version: str):
    """The current page of the scopes one may drill down to, and their table."""
    siblings = [child.with_category(scope.category) for child in permissions.children(request.user, scope)]
    if scope.category:
        # Children with no establishment of the category are left out.
        present: dict[ScopeKind, set] = {ScopeKind.ESTABLISHMENT: set(), ScopeKind.GESTIONNAIRE: set()}
        present[ScopeKind.DEPARTMENT] = set()
        rows = scope.establishments().order_by().values_list("pk", "gestionnaire_id", "department_code")
        for pk, gestionnaire_id, department_code in rows:
            present[ScopeKind.ESTABLISHMENT].add(pk)
            present[ScopeKind.GESTIONNAIRE].add(gestionnaire_id)
            present[ScopeKind.DEPARTMENT].add(department_code)
        siblings = [child for child in siblings if child.identifier in present.get(child.kind, ())]
    paginator = Paginator(siblings, CHILDREN_PER_PAGE)
    children_page = paginator.get_page(request.GET.get("page"))
    links = {
        child: reverse("reporting:dashboard", kwargs={"scope": child}) + "?" + query
        for child in children_page.object_list
    }
    table = dashboards.children_table(
        request.user, list(children_page.object_list), period, links=links, version=version, siblings=siblings
    )
    return children_page, table


def _page(request, scope, label: str):
    """(form, page, children page): the page is None when the period or the category asked is
    wrong. The page's scope is narrowed to the category asked, if any."""
    access = _access_or_404(request.user, scope)
    # No filter for a masked viewer: the categories' counts, subtracted from the whole scope's, would
    # give back a small count masked on another category's page.
    categories = None if scope.kind == ScopeKind.ESTABLISHMENT or access.masked else categories_of(scope)
    form = PeriodForm.from_query(request.GET, categories, complete_years_only=access.masked)
    period = form.period
    if period is None:
        return form, None, None
    if form.category:
        scope = scope.with_category(form.category)
        access = _access_or_404(request.user, scope)
        label = dashboards.filtered_label(label, scope, dict(categories)[form.category])
    version = dashboards.data_version()
    page = dashboards.build_page(
        request.user, scope, period, masked=access.masked, label=label, version=version
    )
    children_page, children = _children(
        request, scope, period, urlencode(page_query(period, scope.category)), version
    )
    return form, replace(page, children=children), children_page


@require_GET
def dashboard(request, scope):
    label = permissions.scope_label(scope)
    form, page, children_page = _page(request, scope, label)
    context = {
        "scope": scope,
        "label": label,
        "kind_label": scope.kind.label,
        "form": form,
        "page": page,
        "children_page": children_page,
        "categories": form.fields["categorie"].choices if "categorie" in form.fields else None,
        "category": form.category,
    }
    if page:
        query = page_query(page.period, page.scope.category)
        context["query"] = urlencode(query)
        context["period_fields"] = page_query(page.period).items()
        context["category"] = page.scope.category
        if page.scope.category:
            context["category_text"] = dashboards.category_label(page.scope.category)
        export_query = dict(query)
        if children_page and children_page.number > 1:
            export_query["page"] = str(children_page.number)
        context["export_query"] = urlencode(export_query)
        context["period_text"] = dashboards.period_text(page.period)
        fragment = {"page": page, "scope": scope, "export_query": context["export_query"]}
        context["figures"] = mark_safe(  # noqa: S308 -- rendered by our own template, autoescaped
            dashboards.cached_html(
                page,
                context["export_query"],
                lambda: render_to_string("reporting/includes/figures.html", fragment, request=request),
            )
        )
        if scope.kind == ScopeKind.ESTABLISHMENT:
            # The reports cover a calendar year: the one the period ends in.
            context["report_year"] = page.period.end.year
        if page.parent and page.parent.may_open:
            context["parent_url"] = (
                reverse("reporting:dashboard", kwargs={"scope": page.parent.scope}) + "?" + context["query"]
            )
    return render(request, "reporting/dashboard.html", context)


def _export_page(request, scope):
    form, page, _children_page = _page(request, scope, permissions.scope_label(scope))
    if page is None:
        errors = " ".join(error for errors in form.errors.values() for error in errors)
        what = "Période incorrecte" if form.period_errors else "Catégorie incorrecte"
        return None, HttpResponseBadRequest(f"{what} : {errors}", content_type="text/plain; charset=utf-8")
    return page, None


def _definition_url(request):
    def url(code: str) -> str:
        return request.build_absolute_uri(reverse("reporting:indicator", kwargs={"code": code}))

    return url


def _filename(page, suffix: str, extension: str) -> str:
    period = f"{page.period.start:%Y%m%d}-{page.period.end:%Y%m%d}"
    name = "-".join(part for part in ("tableau-de-bord", slugify(page.label), suffix, period) if part)
    return f"{name}.{extension}"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _asked_table(request, page):
    key = request.GET.get("indicateur") or request.GET.get("tableau")
    if not key:
        return None
    table = page.table(key)
    if table is None:
        raise Http404("Ce tableau ne figure pas sur la page.")
    return table


@require_GET
def export_xlsx(request, scope):
    """The whole page as one workbook, or one table (`?indicateur=<code>` or `?tableau=evolution`)."""
    page, error = _export_page(request, scope)
    if error:
        return error
    table = _asked_table(request, page)
    if table is None:
        content = exports.page_xlsx(page, _definition_url(request))
        return _download(content, exports.XLSX_TYPE, _filename(page, "", "xlsx"))
    content = exports.table_xlsx(page, table, _definition_url(request))
    return _download(content, exports.XLSX_TYPE, _filename(page, table.key, "xlsx"))


@require_GET
def export_csv(request, scope):
    """One table of the page (`?indicateur=<code>`, or `?tableau=evolution` or `detail`)."""
    page, error = _export_page(request, scope)
    if error:
        return error
    table = _asked_table(request, page)
    if table is None:
        return HttpResponseBadRequest(
            "Précisez le tableau à télécharger (indicateur=…).", content_type="text/plain; charset=utf-8"
        )
    content = exports.table_csv(page, table, _definition_url(request))
    return _download(content, exports.CSV_TYPE, _filename(page, table.key, "csv"))


# ---------- Definitions ----------


DISCLOSURE_RULES = {
    Disclosure.COUNT: (
        "Effectif : pour les autorités, et pour une direction qui regarde au-delà de ses propres "
        "établissements, une valeur inférieure à {threshold} est masquée (« masqué »), ainsi que "
        "les valeurs qui permettraient de la retrouver à partir des autres lignes et du total."
    ),
    Disclosure.MEASURE: (
        "Taux, moyenne ou mesure calculé sur une population : masqué, pour les mêmes lecteurs, là où "
        "cette population (indicateur « {base} ») est masquée ou inférieure à {threshold}."
    ),
    Disclosure.PUBLIC: "Ne porte pas sur des personnes (places, montants) : jamais masqué.",
}


@require_GET
def indicator_list(request):
    groups = [(theme, indicators) for theme, indicators in dashboards.grouped(registry.all())]
    return render(request, "reporting/indicator_list.html", {"groups": groups})


@require_GET
def indicator_detail(request, code):
    try:
        indicator = registry.get(code)
    except LookupError:
        raise Http404("Indicateur inconnu.") from None
    rule = DISCLOSURE_RULES[indicator.disclosure].format(
        threshold=default_threshold(), base=indicator.base or ""
    )
    return render(
        request,
        "reporting/indicator_detail.html",
        {
            "indicator": indicator,
            "theme": dashboards.theme_of(indicator),
            "scopes": [kind.label for kind in ScopeKind if kind in indicator.scopes],
            "disclosure_rule": rule,
        },
    )
