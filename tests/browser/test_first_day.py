"""A professional's first use of Parcours in a real browser: log in, open a record, admit, write a note."""

import pytest

from parcours.access.models import AccessLogEntry
from parcours.organisations.enums import SupportMode
from parcours.people.models import Person
from parcours.records.models import Note
from tests.accounts.otp import enrol_in_browser
from tests.factories import EstablishmentFactory, make_professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_create_admit_note_and_see_it_on_the_timeline(page):
    establishment = EstablishmentFactory(name="Foyer Les Glycines", capacities={SupportMode.INTERNAT: 24})
    educatrice = make_professional(establishment)

    page.goto("/")
    assert "/compte/connexion/" in page.url  # anonymous users land on the login page
    # First login: the password, then setting up the authentication app with a first code.
    enrol_in_browser(page, educatrice.user.username)
    page.get_by_role("link", name="Personnes", exact=True).click()

    page.get_by_role("link", name="Ouvrir un dossier").click()
    page.get_by_label("Établissement ou service qui ouvre le dossier").select_option(
        label="Foyer Les Glycines"
    )
    page.get_by_label("Nom de naissance").fill("Bérard")
    page.get_by_label("Prénom(s) de naissance").fill("Anaïs Claire")
    page.get_by_label("Date de naissance").fill("1994-05-17")
    page.get_by_role("radio", name="Féminin").check()
    page.get_by_label("Lieu de naissance (code INSEE)").fill("69123")
    page.get_by_role("button", name="Ouvrir le dossier").click()

    page.get_by_role("heading", level=1, name="BÉRARD Anaïs").wait_for()
    person = Person.objects.get(birth_name="Bérard")

    page.get_by_role("link", name="Nouvelle admission").click()
    page.get_by_label("Mode d'accompagnement").select_option(SupportMode.INTERNAT)
    page.get_by_label("Date d'admission").fill("2026-01-05")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", level=1, name="BÉRARD Anaïs").wait_for()
    assert person.admissions.get().establishment == establishment

    page.get_by_role("link", name="Nouvelle transmission").click()
    page.get_by_label("Catégorie").select_option(label="Vie quotidienne")
    page.get_by_label("Transmission").fill(
        "Première soirée au foyer : Anaïs a choisi sa chambre et dîné avec le groupe."
    )
    page.get_by_role("button", name="Enregistrer").click()

    timeline = page.locator(".timeline")
    timeline.get_by_text("Première soirée au foyer").wait_for()
    assert timeline.get_by_text("Admission").first.is_visible()
    assert Note.objects.get(person=person).author == educatrice
    # Every write and the reads of the record were traced.
    actions = set(
        AccessLogEntry.objects.filter(person=person, actor=educatrice.user).values_list("action", flat=True)
    )
    assert {"create", "read"} <= actions
