"""The reports of an establishment: the yearly activity report (a page, and its PDF) and the
SERAFIN-PH activity summary (a page, its CSV and XLSX files).

Who sees them is who sees the establishment's dashboard (`parcours.reporting.permissions`): anyone
else gets a 404, the establishment's existence hidden. The figures are published masked or in full as
the access says. Views are thin: the content is built by `parcours.reporting.reports`.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from parcours.organisations.models import Establishment
from parcours.reporting import permissions, reports
from parcours.reporting.permissions import Access
from parcours.reporting.registry import Scope

YEAR_PARAMETER = "annee"


def establishment_or_404(request, pk: int) -> tuple[Establishment, Access]:
    access = permissions.access_to(request.user, Scope.establishment(pk))
    if access is None:
        raise Http404("Établissement introuvable.")
    establishment = get_object_or_404(Establishment.objects.select_related("gestionnaire", "category"), pk=pk)
    return establishment, access


def year_refused(
    request, establishment: Establishment, year: int, error: reports.YearNotAvailable, *, serafin=False
):
    """A 404, with the reason in French and links to the years one may choose."""
    links = []
    for available in reports.available_years(establishment):
        if serafin:
            url = reverse("reporting:serafin_summary", kwargs={"pk": establishment.pk})
            links.append((f"Synthèse SERAFIN-PH {available}", f"{url}?{YEAR_PARAMETER}={available}"))
        else:
            url = reverse("reporting:activity_report", kwargs={"pk": establishment.pk, "year": available})
            links.append((f"Rapport d'activité {available}", url))
    return render(
        request,
        "reporting/report/year_refused.html",
        {
            "establishment": establishment,
            "scope": Scope.establishment(establishment),
            "year": year,
            "message": str(error),
            "links": links,
        },
        status=404,
    )


@require_GET
def activity_report(request, pk: int, year: int):
    """What the yearly activity report holds, and the button to download it."""
    establishment, access = establishment_or_404(request, pk)
    try:
        report_year = reports.report_year(year, complete_only=access.masked)
    except reports.YearNotAvailable as error:
        return year_refused(request, establishment, year, error)
    return render(
        request,
        "reporting/report/activity_report.html",
        {
            "establishment": establishment,
            "scope": Scope.establishment(establishment),
            "report_year": report_year,
            "masked": access.masked,
            "themes": reports.report_indicators(Scope.establishment(establishment)),
            "years": reports.available_years(establishment),
        },
    )


@require_GET
def activity_report_pdf(request, pk: int, year: int):
    establishment, access = establishment_or_404(request, pk)
    try:
        report_year = reports.report_year(year, complete_only=access.masked)
    except reports.YearNotAvailable as error:
        return year_refused(request, establishment, year, error)
    report = reports.build_activity_report(establishment, report_year, masked=access.masked)
    response = HttpResponse(reports.render_activity_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response


def summary_or_refusal(request, pk: int):
    """(summary, None) for the year asked (`?annee=`, the current year by default, the last complete
    one when masked), or (None, the response refusing it)."""
    establishment, access = establishment_or_404(request, pk)
    years = reports.available_years(establishment)
    asked = request.GET.get(YEAR_PARAMETER, "").strip()
    if not asked:
        # A masked summary covers complete years only: the last one by default.
        year = years[0] if not access.masked else min(years[0], timezone.localdate().year - 1)
    elif asked.isdigit():
        year = int(asked)
    else:
        raise Http404("Année invalide.")
    try:
        report_year = reports.report_year(year, complete_only=access.masked)
    except reports.YearNotAvailable as error:
        return None, year_refused(request, establishment, year, error, serafin=True)
    return reports.build_serafin_summary(establishment, report_year, masked=access.masked), None


@require_GET
def serafin_summary(request, pk: int):
    summary, refusal = summary_or_refusal(request, pk)
    if refusal:
        return refusal
    return render(
        request,
        "reporting/report/serafin_summary.html",
        {
            "summary": summary,
            "establishment": summary.establishment,
            "scope": Scope.establishment(summary.establishment),
            "years": reports.available_years(summary.establishment),
            "year_parameter": YEAR_PARAMETER,
        },
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def serafin_summary_csv(request, pk: int):
    summary, refusal = summary_or_refusal(request, pk)
    if refusal:
        return refusal
    return _download(reports.serafin_csv(summary), "text/csv; charset=utf-8", summary.filename("csv"))


@require_GET
def serafin_summary_xlsx(request, pk: int):
    summary, refusal = summary_or_refusal(request, pk)
    if refusal:
        return refusal
    return _download(
        reports.serafin_xlsx(summary),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        summary.filename("xlsx"),
    )
