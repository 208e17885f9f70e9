"""The yearly activity report of an establishment: its page, its PDF (figures worked out by hand in
conftest.py), who may have it, and which years."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.reporting import registry, reports
from parcours.reporting.registry import Scope
from tests.conftest import assert_page_ok
from tests.reporting.reports.pdf_text import pdf_strings, pdf_text

pytestmark = pytest.mark.django_db


def report_url(world, year, pdf=False):
    name = "reporting:activity_report_pdf" if pdf else "reporting:activity_report"
    return reverse(name, kwargs={"pk": world.establishment.pk, "year": year})


def flat(text: str) -> str:
    """One line, single spaces; a word cut after its hyphen at the end of a line joined again."""
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))
    return re.sub(r"- (?=[a-z])", "-", text)


def download(client, url) -> tuple[bytes, str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    return body, response["Content-Disposition"]


def test_the_page_lists_the_content_and_links_the_pdf(world, login):
    content = assert_page_ok(login(world.director.user).get(report_url(world, 2025)))

    assert "Rapport d'activité 2025" in content
    assert report_url(world, 2025, pdf=True) in content
    for title in ("Personnes accompagnées", "Admissions et sorties", "Activité", "Personnel", "Définitions"):
        assert title in content
    # Every indicator of an establishment is listed, with its code.
    for indicator in registry.all():
        if indicator.applies_to(Scope.establishment(world.establishment)):
            assert indicator.code in content


def test_the_pdf_holds_the_year_s_figures_beside_the_year_before(world, login):
    body, disposition = download(login(world.director.user), report_url(world, 2025, pdf=True))

    assert disposition == f'attachment; filename="rapport-activite-{world.establishment.finess}-2025.pdf"'
    text = flat(pdf_text(body))
    # Cover.
    assert "IME Les Érables" in text
    assert "Année 2025" in text
    assert f"FINESS géographique {world.establishment.finess}" in text
    assert "Organisme gestionnaire Association Les Chemins" in text
    assert "Adresse 12 rue des Lilas, 69003 Lyon" in text
    assert "Capacité autorisée Internat : 4 places ; Externat : 6 places — total 10 places" in text
    assert "Document généré par Parcours à partir des données du dossier." in text
    # Persons supported: P1 and P4 in 2024; P1, P2, P3 in 2025.
    assert "Indicateur personnes-accompagnees — en personnes 2024 2025" in text
    assert "Personnes accompagnées sur la période 2 3" in text
    assert "Féminin 1 2 Masculin 1 1 Total 2 3" in text
    # Admissions and exits: P1 in 2024, P2 and P3 in 2025; P4 left in 2024 (730 days), P2 in 2025
    # (121 days).
    assert "Admissions sur la période 1 2" in text
    assert "Sorties sur la période 1 1" in text
    assert "87 – L'usager est admis dans un autre ESMS suite à un déménagement 1 0" in text
    assert "89 – L'usager ne souhaite plus être pris en charge par l'ESMS 0 1" in text
    assert "Durée moyenne des accompagnements terminés sur la période 730,0 121,0" in text
    # Prestations by block: one in 2024 (31/12), seven in 2025.
    assert (
        "2.1 – Prestations de soins, de maintien et de développement des capacités fonctionnelles 1 3 "
        "2.2 – Prestations en matière d'autonomie 0 1 "
        "2.3 – Prestations pour la participation sociale 0 2 "
        "3.1 – Fonctions Gérer, manager, coopérer 0 1 Total 1 7"
    ) in text
    # Hours: 30 minutes in 2024; 140, 60, 150 and 30 minutes in 2025.
    assert "capacités fonctionnelles 0,5 2,3 2.2 – Prestations en matière d'autonomie 0,0 1,0" in text
    # Staff: the educator all along (1.00), the nurse half of 2025 at 0.50.
    assert "Équivalents temps plein (ETP) sur la période 1,0 1,25" in text
    assert "Effectif au dernier jour de la période 1 2" in text


def test_every_figure_refers_to_its_definition_in_the_annex(world, login):
    body, _ = download(login(world.director.user), report_url(world, 2025, pdf=True))
    text = flat(pdf_text(body))

    annex = text[text.index("Définitions Les indicateurs utilisés dans ce rapport") :]
    used = [i for i in registry.all() if i.applies_to(Scope.establishment(world.establishment))]
    assert len(used) >= 20
    for indicator in used:
        assert f"{indicator.code} — {flat(indicator.label)} Définition" in annex, indicator.code
    # The themes with figures refer to them by code; an empty theme says so.
    for code in (
        "personnes-accompagnees",
        "admissions",
        "prestations-realisees-par-bloc",
        "etp-sur-la-periode",
    ):
        assert f"Indicateur {code} — en" in text
    assert (
        "Aucun état financier (compte réalisé) n'est enregistré, ni pour l'année ni pour la précédente."
        in text
    )


def test_the_pdf_holds_no_personal_data(world, login):
    body, disposition = download(login(world.director.user), report_url(world, 2025, pdf=True))
    text = pdf_text(body).lower()
    raw = pdf_strings(body)

    secrets = []
    for person in world.persons:
        secrets += [person.birth_name, person.first_names, person.nir]
        secrets += [
            f"{person.birth_date:%d/%m/%Y}",
            person.birth_date.isoformat(),
            f"{person.birth_date:%d%m%Y}",
        ]
    for professional in [*world.staff, world.director]:
        secrets += [professional.last_name, professional.first_name]
    assert len(secrets) == 5 * 6 + 3 * 2
    for secret in secrets:
        assert secret.lower() not in text, secret
        assert secret.lower() not in disposition.lower()
        # Nor in the document's metadata or bookmarks (UTF-16 in hexadecimal, or plain text).
        assert secret.encode("utf-16-be").hex().encode() not in raw.lower(), secret
        assert secret.encode("latin-1", "ignore") not in raw, secret


def test_the_current_year_is_a_report_in_progress(world, login):
    today = timezone.localdate()
    body, disposition = download(login(world.director.user), report_url(world, today.year, pdf=True))

    assert disposition.endswith(f'-{today.year}-en-cours.pdf"')
    text = flat(pdf_text(body))
    assert f"Année {today.year} (en cours)" in text
    assert f"{today.year - 1} (même période) {today.year} (en cours)" in text


@pytest.mark.parametrize("pdf", [False, True])
def test_a_future_year_is_refused_in_french(world, login, pdf):
    next_year = timezone.localdate().year + 1
    response = login(world.director.user).get(report_url(world, next_year, pdf=pdf))

    assert response.status_code == 404
    content = html.unescape(response.content.decode())
    assert f"L'année {next_year} n'est pas encore commencée" in content
    assert report_url(world, 2025) in content  # the years one may choose instead


def test_a_year_before_parcours_is_refused(world, login):
    response = login(world.director.user).get(report_url(world, reports.FIRST_YEAR - 1))
    assert response.status_code == 404
    assert "antérieure à 2000" in html.unescape(response.content.decode())


def test_the_report_year_compares_like_with_like():
    past = reports.report_year(2024, today=datetime.date(2026, 3, 1))
    assert (past.period.start.isoformat(), past.period.end.isoformat()) == ("2024-01-01", "2024-12-31")
    assert (past.previous.start.isoformat(), past.previous.end.isoformat()) == ("2023-01-01", "2023-12-31")
    assert not past.in_progress
    # The current year up to today, against the same days of the year before; 29 February → 28.
    current = reports.report_year(2028, today=datetime.date(2028, 2, 29))
    assert current.in_progress
    assert (current.period.start.isoformat(), current.period.end.isoformat()) == ("2028-01-01", "2028-02-29")
    assert (current.previous.start.isoformat(), current.previous.end.isoformat()) == (
        "2027-01-01",
        "2027-02-28",
    )
    with pytest.raises(reports.YearNotAvailable):
        reports.report_year(2029, today=datetime.date(2028, 2, 29))


def test_an_authority_gets_the_report_masked(world, login):
    body, _ = download(login(world.authority), report_url(world, 2025, pdf=True))
    text = flat(pdf_text(body))

    # Every count of the data set is below 10: masked, the zeros shown.
    assert "Personnes accompagnées sur la période masqué masqué" in text
    assert "Admissions sur la période masqué masqué" in text
    assert "Effectif au dernier jour de la période masqué masqué" in text
    assert "Les effectifs inférieurs à 10 sont masqués" in text
    # The finances are not about persons: the same sentence as for the direction.
    assert "Aucun état financier (compte réalisé) n'est enregistré" in text
    # A measure over a masked population is masked too, and says so (« < 10 » would mislead).
    assert "Durée moyenne des accompagnements terminés sur la période masqué masqué" in text
    assert (
        "Taux d'occupation sur la période, par mode d'accompagnement Indicateur taux-occupation-par-mode"
        in text
    )
    assert "730,0" not in text and "121,0" not in text


def test_the_gestionnaire_director_gets_the_report_in_full(world, login):
    body, _ = download(login(world.gestionnaire_director.user), report_url(world, 2025, pdf=True))
    assert "Personnes accompagnées sur la période 2 3" in flat(pdf_text(body))


@pytest.mark.parametrize("pdf", [False, True])
@pytest.mark.parametrize("who", ["professional", "other_director"])
def test_no_report_for_a_team_member_nor_the_director_of_another_establishment(world, login, who, pdf):
    user = getattr(world, who).user
    assert login(user).get(report_url(world, 2025, pdf=pdf)).status_code == 404


def test_no_report_of_an_establishment_that_does_not_exist(world, login):
    url = reverse("reporting:activity_report", kwargs={"pk": world.other.pk + 1000, "year": 2025})
    assert login(world.director.user).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    for url in (report_url(world, 2025), report_url(world, 2025, pdf=True)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def places_in_the_garden(scope, period):
    return 12


def test_an_indicator_declared_later_appears_in_the_report_without_changing_it(world, monkeypatch):
    indicator = registry.Indicator(
        code="places-au-jardin",
        label="Places au jardin partagé",
        definition="Nombre de places au jardin partagé de l'établissement.",
        formula="nombre de places",
        unit="places",
        scopes=frozenset({registry.ScopeKind.ESTABLISHMENT}),
        source=registry.OWN_DEFINITION,
        compute=places_in_the_garden,
        disclosure=registry.Disclosure.PUBLIC,
    )
    registry.all()  # loads the declared indicators first
    monkeypatch.setitem(registry._REGISTRY, indicator.code, indicator)

    report = reports.build_activity_report(world.establishment, reports.report_year(2025), masked=False)

    assert reports.theme_of(indicator) is reports.OTHERS
    [others] = [section for section in report.sections if section.theme is reports.OTHERS]
    [figure] = others.figures
    assert [(line.label, line.previous.text, line.current.text) for line in figure.lines] == [
        ("Places au jardin partagé", "12", "12")
    ]
    assert report.indicators[-1] is indicator
    text = flat(pdf_text(reports.render_activity_report_pdf(report)))
    assert "Autres indicateurs Places au jardin partagé Indicateur places-au-jardin — en places" in text
    assert "places-au-jardin — Places au jardin partagé Définition Nombre de places au jardin" in text


def test_a_masked_report_covers_complete_years_only():
    """The year so far, asked today and yesterday, would give masked counts back by difference."""
    today = datetime.date(2026, 11, 23)
    assert reports.report_year(2026, today=today).in_progress
    with pytest.raises(reports.YearNotAvailable, match="choisissez une année complète"):
        reports.report_year(2026, today=today, complete_only=True)
    assert not reports.report_year(2025, today=today, complete_only=True).in_progress
