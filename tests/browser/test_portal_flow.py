"""The issue's scenario in a real browser: a mother logs in on a 375-pixel-wide phone, sees the note an
educator shares today appear on her child's day without reloading, agrees to the projet personnalisé
the team proposes, and writes to the team, who read her message in their inbox.

She is the legal representative of her minor son (autorité parentale): a relative holding only the
rights the person gave may not agree to a projet (parcours/access/portal.py)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.access.api import Actor
from parcours.access.enums import PortalRole
from parcours.people.enums import ProtectionMeasure
from parcours.records import services as records_services
from parcours.records.enums import ProjetStatus
from parcours.records.models import Goal
from tests.accounts.otp import log_in_in_browser, totp_device
from tests.browser.axe import PHONE
from tests.browser.portal import log_in_portal
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    PersonFactory,
    ProjetFactory,
    RelativeFactory,
    UserFactory,
    make_professional,
)
from tests.portal.factories import LegalProtectionFactory, PortalAccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_SECONDS = 1
NOTE = "Tom a fait du vélo à la piscine, très fier."


@pytest.fixture
def minor(db):
    """Tom, 10, at the IME; his mother Claire holds parental authority and has a login."""
    ime = EstablishmentFactory(name="IME Les Tilleuls")
    educator = make_professional(ime, first_name="Inès", last_name="Martin")
    today = timezone.localdate()
    tom = PersonFactory(
        birth_name="Moreau", first_names="Tom", birth_date=today.replace(year=today.year - 10, day=1)
    )
    AdmissionFactory(person=tom, establishment=ime, start_date=today - datetime.timedelta(days=200))
    mother_relative = RelativeFactory(person=tom, first_name="Claire", last_name="Moreau")
    protection = LegalProtectionFactory(
        person=tom, measure=ProtectionMeasure.AUTORITE_PARENTALE, representative_relative=mother_relative,
        start_date=tom.birth_date,
    )  # fmt: skip
    mother = UserFactory(username="claire", first_name="Claire", last_name="Moreau")
    PortalAccountFactory(
        user=mother, person=tom, role=PortalRole.REPRESENTATIVE, relative=mother_relative,
        protection=protection,
    )  # fmt: skip
    projet = ProjetFactory(person=tom, establishment=ime, author=educator, status=ProjetStatus.DRAFT)
    Goal.objects.create(projet=projet, title="Faire du vélo avec le groupe")
    return tom, ime, educator, mother, projet


def test_a_mother_follows_the_day_agrees_the_projet_and_writes_to_the_team(
    minor, browser, live_server, settings
):
    tom, ime, educator, mother, projet = minor
    settings.PARCOURS_PORTAL_POLL_SECONDS = POLL_SECONDS

    family_context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=PHONE)
    team_context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    for context in (family_context, team_context):
        context.set_default_timeout(10_000)
    phone, desk = family_context.new_page(), team_context.new_page()
    try:
        # The mother logs in: her space opens on Tom's day.
        log_in_portal(phone, mother.username)
        phone.wait_for_url(f"**{reverse('portal:day', kwargs={'person_uuid': tom.uuid})}")
        assert phone.evaluate("window.innerWidth") == PHONE["width"]
        assert phone.get_by_text(NOTE).count() == 0
        phone.evaluate("window.__notReloaded = true")

        # The educator writes a shareable note from the team's pages.
        log_in_in_browser(desk, educator.user.username, totp_device(educator.user).key)
        desk.goto(reverse("records:note_create", kwargs={"person_uuid": tom.uuid}))
        desk.get_by_label("Transmission").fill(NOTE)
        desk.get_by_label("Partageable avec la personne et sa famille").check()
        desk.get_by_role("button", name="Enregistrer").click()
        desk.get_by_text("La transmission est enregistrée.").wait_for()

        # It appears on the mother's phone, the page not reloaded.
        phone.get_by_text(NOTE).wait_for(timeout=(POLL_SECONDS + 4) * 1000)
        assert phone.evaluate("window.__notReloaded") is True

        # The team proposes the projet; she agrees to it.
        records_services.change_projet_status(
            projet, status=ProjetStatus.PROPOSED, actor=Actor.system(educator.user, channel="web")
        )
        phone.get_by_role("navigation", name="Sections de l'espace").get_by_role(
            "link", name="Projet personnalisé"
        ).click()
        phone.get_by_text("Faire du vélo avec le groupe").first.wait_for()
        phone.get_by_label("J'ai lu le projet et je suis d'accord").check()
        phone.get_by_role("button", name="Je suis d'accord").click()
        phone.locator(".badge", has_text="Validé").wait_for()
        projet.refresh_from_db()
        assert projet.status == ProjetStatus.AGREED

        # She writes to the team.
        phone.get_by_role("navigation", name="Sections de l'espace").get_by_role(
            "link", name="Messages"
        ).click()
        phone.get_by_role("link", name="Écrire à l'équipe").click()
        phone.get_by_label("Objet").fill("Sortie vélo")
        phone.get_by_label("Votre message").fill("Faut-il prévoir un casque pour samedi ?")
        phone.get_by_role("button", name="Envoyer").click()
        phone.get_by_text("Faut-il prévoir un casque pour samedi ?").wait_for()

        # The educator reads it in the team's inbox.
        desk.goto(reverse("portal:staff_inbox"))
        desk.get_by_role("link", name="Sortie vélo").click()
        desk.get_by_text("Faut-il prévoir un casque pour samedi ?").wait_for()
    finally:
        family_context.close()
        team_context.close()
