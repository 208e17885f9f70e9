"""The issue's parcours in a real browser: Tom, 19, leaves the IME Les Tilleuls with an MDPH orientation
towards an ESAT. The IME's educator sends a request to the ESAT du Rhône with his consent; the ESAT's
director finds it among the requests received and records each step up to the admission, after which
the ESAT's team reads Tom's record; then the ESAT prepares a liaison file for the Foyer des Monts,
parts chosen one by one, with Tom's consent, and the foyer's director imports it into an admission.

Each professional logs in with their password and the code of their authentication app, in a browser
context of their own (the world is tests/coordination/conftest.py's `department`)."""

import re

import pytest
from django.urls import reverse

from parcours.access.models import Consent
from parcours.coordination.enums import LiaisonPart, LiaisonStatus, RequestStatus
from parcours.coordination.models import AdmissionRequest, LiaisonFile
from parcours.organisations.enums import SupportMode
from parcours.records.models import Admission
from tests.accounts.otp import log_in_in_browser, totp_device
from tests.coordination.conftest import department  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = ("Reçue", "En étude", "Acceptée", "Admission réalisée")


@pytest.fixture
def desk(browser, live_server):
    """desk(professional) -> a page of a browser context of its own, logged in with the second factor."""
    contexts = []

    def _desk(professional):
        context = browser.new_context(
            base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        user = professional.user
        log_in_in_browser(page, user.username, totp_device(user).key)
        return page

    yield _desk
    for context in contexts:
        context.close()


def test_from_an_mdph_orientation_to_an_admission_then_a_transfer(department, desk):  # noqa: F811
    d = department
    tom = d.tom

    # 1. The IME's educator sends a request to the ESAT from Tom's ESAT orientation, with his consent.
    ime = desk(d.ime_pro)
    ime.goto(reverse("coordination:person_requests", args=[tom.uuid]))
    ime.get_by_role("heading", level=1, name="Orientations et demandes d'admission").wait_for()
    assert "MDPH69-2026-0042" in ime.locator("main").inner_text()
    ime.get_by_role("link", name="Envoyer des demandes d'admission").click()
    chooser = ime.get_by_role("search", name="Choisir les établissements")
    chooser.get_by_label("Orientation de la MDPH").select_option(str(d.orientation_esat.uuid))
    chooser.get_by_role("button", name="Afficher les établissements").click()
    form = ime.locator("form[method=post]")
    form.get_by_label(re.compile(r"ESAT du Rhône")).check()
    assert form.get_by_label(re.compile(r"Foyer des Monts")).count() == 0  # not an ESAT
    form.get_by_label("Mode d'accompagnement demandé").select_option(SupportMode.EXTERNAT)
    form.get_by_label(re.compile(r"La personne \(ou son représentant légal\) accepte")).check()
    form.get_by_role("button", name="Envoyer les demandes").click()
    ime.get_by_text("Les demandes d'admission sont envoyées.").wait_for()
    ime.get_by_role("link", name="ESAT du Rhône").wait_for()
    request = AdmissionRequest.objects.get(person=tom)
    assert (request.establishment, request.status, request.mdph_decision) == (
        d.esat,
        RequestStatus.SENT,
        d.orientation_esat,
    )
    assert Consent.objects.active().filter(person=tom, establishment=d.esat).exists()

    # 2. The ESAT's director finds it among the requests received and records each step.
    esat = desk(d.esat_director)
    esat.goto(reverse("coordination:received", args=[d.esat.uuid]))
    esat.get_by_role("heading", level=1, name="Demandes d'admission reçues").wait_for()
    row = esat.get_by_role("row").filter(has_text=tom.display_name)
    assert "Envoyée" in row.inner_text()
    row.get_by_role("link", name=tom.display_name).click()
    esat.get_by_role("heading", level=1, name="Demande d'admission à ESAT du Rhône").wait_for()
    for step in STEPS:
        esat.get_by_role("radio", name=re.compile(rf"{step} — ")).check()
        esat.get_by_role("button", name="Enregistrer").click()
        esat.get_by_text("L'étape est enregistrée.").wait_for()
        assert esat.locator(".dl strong").first.inner_text() == step
    request.refresh_from_db()
    assert request.status == RequestStatus.ENTERED and request.admission is not None
    history = esat.get_by_role("region", name="Historique").inner_text()
    for step in ("Envoyée", *STEPS):
        assert step in history
    admission = Admission.objects.active().get(person=tom, establishment=d.esat)
    assert admission.mode == SupportMode.EXTERNAT

    # Tom is now supported by the ESAT: its team reads his record.
    team = desk(d.esat_pro)
    team.goto(reverse("people:detail", args=[tom.uuid]))
    team.get_by_role("heading", level=1, name=re.compile(tom.display_name)).wait_for()
    assert "ESAT du Rhône" in team.locator("main").inner_text()

    # 3. The ESAT's team prepares a liaison file for the Foyer des Monts: identity, contacts and MDPH
    # decisions, not the rest; Tom consents to it.
    team.goto(reverse("coordination:liaison_prepare", args=[tom.uuid]))
    team.get_by_role("heading", level=1, name="Nouveau dossier de liaison").wait_for()
    team.get_by_label("Établissement ou service qui accueillera la personne").select_option(str(d.foyer.uuid))
    chosen = (LiaisonPart.IDENTITY, LiaisonPart.CONTACTS, LiaisonPart.MDPH)
    for part in chosen:
        team.get_by_label(part.label, exact=True).check()
    # The preview validates the whole form, the consent included: checked first.
    team.get_by_label(re.compile(r"La personne, ou son représentant légal, consent")).check()
    team.get_by_role("button", name="Voir ce qui sera envoyé").click()
    preview = team.get_by_role("region", name="Aperçu : exactement ce qui sera envoyé")
    preview.get_by_text("Claire").first.wait_for()  # his mother, in the contacts
    assert "Déficiences" not in preview.inner_text()
    team.get_by_role("button", name="Envoyer le dossier").click()
    team.get_by_text("Le dossier de liaison est envoyé.").wait_for()
    liaison = LiaisonFile.objects.get(person=tom)
    assert liaison.status == LiaisonStatus.SENT
    assert sorted(liaison.parts) == sorted(chosen)
    assert (liaison.from_establishment, liaison.to_establishment) == (d.esat, d.foyer)
    assert liaison.consent.establishment == d.foyer and liaison.consent.withdrawn_at is None

    # 4. The foyer's director reads it in the files received and imports it into an admission.
    foyer = desk(d.foyer_director)
    foyer.goto(reverse("coordination:liaison_inbox", args=[d.foyer.uuid]))
    foyer.get_by_role("link", name=re.compile(r"Ouvrir")).click()
    foyer.get_by_role("heading", level=1, name="Dossier de liaison").wait_for()
    content = foyer.locator("main").inner_text()
    assert "Claire" in content and "MDPH69-2026-0042" in content
    foyer.get_by_label("Mode d'accompagnement").select_option(SupportMode.INTERNAT)
    foyer.get_by_role("button", name="Admettre la personne").click()
    foyer.get_by_text("Le dossier est importé : la personne est admise.").wait_for()
    foyer.get_by_role("link", name="ouvrir son dossier").click()
    foyer.get_by_role("heading", level=1, name=re.compile(tom.display_name)).wait_for()
    liaison.refresh_from_db()
    assert liaison.status == LiaisonStatus.IMPORTED
    admitted = Admission.objects.active().get(person=tom, establishment=d.foyer)
    assert liaison.admission == admitted and admitted.mode == SupportMode.INTERNAT
