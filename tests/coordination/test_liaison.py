"""Liaison files: Tom leaves the IME Les Tilleuls for the ESAT du Rhône; the IME's team sends the parts
and notes it chose, with Tom's consent; the ESAT reads it and imports it into an admission."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parcours.access.enums import Basis, Category, ConsentGivenBy, ConsentHow
from parcours.access.journal import Actor
from parcours.access.models import AccessLogEntry, Consent
from parcours.coordination import liaison as services
from parcours.coordination.enums import LiaisonPart, LiaisonStatus, NotificationKind
from parcours.coordination.models import LiaisonFile, Notification
from parcours.records.models import Admission
from tests.conftest import assert_page_ok
from tests.coordination.conftest import ago
from tests.factories import NoteFactory

SIGNED = {"given_by": ConsentGivenBy.PERSON, "how": ConsentHow.SIGNED_PAPER}


def actor(professional) -> Actor:
    return Actor(user=professional.user, ip_address="127.0.0.1")


@pytest.fixture
def notes(department):
    d = department
    kept = NoteFactory(person=d.tom, establishment=d.ime, author=d.ime_pro, text="Aime l'atelier bois.")
    left = NoteFactory(person=d.tom, establishment=d.ime, author=d.ime_pro, text="Dispute avec son frère.")
    return kept, left


def send_to_esat(d, parts, note_uuids=(), consent=SIGNED):
    return services.prepare_and_send(
        d.tom,
        from_establishment=d.ime,
        to_establishment=d.esat,
        parts=parts,
        note_uuids=note_uuids,
        actor=actor(d.ime_pro),
        consent=consent,
    )


def test_the_file_carries_only_the_parts_and_notes_chosen(department, notes):
    d = department
    kept, left = notes
    liaison = send_to_esat(d, [LiaisonPart.NOTES, LiaisonPart.IDENTITY], [kept.uuid])

    content = services.content_of(liaison)
    assert list(content) == [LiaisonPart.IDENTITY, LiaisonPart.NOTES]
    for absent in ("contacts", "needs", "projet", "deficiencies", "mdph"):
        assert absent not in content
    assert content["identity"]["birth_name"] == "Moreau"
    assert [note["text"] for note in content["notes"]] == ["Aime l'atelier bois."]
    frozen = liaison.content
    assert "Dispute avec son frère" not in frozen
    assert "Claire" not in frozen  # the mother: contacts were not chosen
    assert "MDPH69-2026-0042" not in frozen  # MDPH decisions were not chosen
    assert set(json.loads(frozen)) == {"version", "sent_at", "parts"}
    assert liaison.status == LiaisonStatus.SENT and liaison.sent_at is not None


def test_contacts_and_mdph_carry_the_relatives_and_the_decisions_in_force(department):
    d = department
    liaison = send_to_esat(d, [LiaisonPart.CONTACTS, LiaisonPart.MDPH])
    content = services.content_of(liaison)
    assert set(content) == {"contacts", "mdph"}
    assert [r["first_name"] for r in content["contacts"]["relatives"]] == ["Claire"]
    assert {m["reference"] for m in content["mdph"]} == {"MDPH69-2026-0042", "MDPH69-2026-0043"}
    assert "birth_name" not in json.dumps(content)


def test_the_consent_is_recorded_for_the_categories_the_file_carries(department, notes):
    d = department
    liaison = send_to_esat(d, [LiaisonPart.IDENTITY, LiaisonPart.NOTES], [notes[0].uuid])
    consent = Consent.objects.get(person=d.tom, establishment=d.esat)
    assert liaison.consent == consent
    assert consent.categories == [Category.IDENTITY, Category.NOTES]
    assert consent.recorded_by == d.ime_pro.user
    notified = set(
        Notification.objects.filter(kind=NotificationKind.LIAISON_RECEIVED).values_list("user", flat=True)
    )
    assert notified == {d.esat_pro.user.pk, d.esat_director.user.pk}
    url = Notification.objects.filter(user=d.esat_pro.user).get().url
    assert url == reverse("coordination:liaison", args=[liaison.uuid])


def test_sending_without_a_consent_covering_the_parts_is_refused_and_writes_nothing(department, notes):
    d = department
    # A consent to the ESAT already in force, but covering the identity only.
    from parcours.access import services as access_services

    access_services.record_consent(
        d.tom, actor=actor(d.ime_pro), establishment=d.esat, categories=["identity"]
    )
    with pytest.raises(ValidationError, match="n'a pas consenti"):
        send_to_esat(d, [LiaisonPart.IDENTITY, LiaisonPart.NOTES], [notes[0].uuid], consent=None)
    assert not LiaisonFile.objects.exists()
    assert not Notification.objects.exists()

    draft = services.prepare(
        d.tom,
        from_establishment=d.ime,
        to_establishment=d.esat,
        parts=[LiaisonPart.PROJET],
        actor=actor(d.ime_pro),
    )
    with pytest.raises(ValidationError, match="projet personnalisé"):
        services.send(draft, actor=actor(d.ime_pro))
    draft.refresh_from_db()
    assert draft.status == LiaisonStatus.DRAFT and draft.content == "" and draft.sent_at is None

    # The identity-only consent is enough for a file that carries the identity only.
    draft = services.prepare(
        d.tom, from_establishment=d.ime, to_establishment=d.esat, parts=["identity"], actor=actor(d.ime_pro)
    )
    assert services.send(draft, actor=actor(d.ime_pro)).status == LiaisonStatus.SENT


def test_bad_choices_are_refused_with_a_clear_message(department, notes):
    d = department
    with pytest.raises(ValidationError) as refused:
        send_to_esat(d, [LiaisonPart.NOTES])
    assert "Choisissez les transmissions" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        send_to_esat(d, [LiaisonPart.IDENTITY], [notes[0].uuid])
    assert "sans la partie" in str(refused.value)
    other = NoteFactory(person=d.ines, establishment=d.ime, author=d.ime_pro)
    with pytest.raises(ValidationError, match="pas dans le dossier"):
        send_to_esat(d, [LiaisonPart.NOTES], [other.uuid])
    oral = {"given_by": ConsentGivenBy.PERSON, "how": ConsentHow.ORAL}
    with pytest.raises(ValidationError, match="témoin"):
        send_to_esat(d, [LiaisonPart.IDENTITY], consent=oral)
    assert not LiaisonFile.objects.exists() and not Consent.objects.exists()


def test_the_receiver_reads_the_file_through_the_consent_and_the_log_says_so(department, notes, login):
    d = department
    liaison = send_to_esat(d, [LiaisonPart.IDENTITY, LiaisonPart.NOTES], [notes[0].uuid])
    client = login(d.esat_pro.user)
    inbox = assert_page_ok(client.get(reverse("coordination:liaison_inbox", args=[d.esat.uuid])))
    assert "MOREAU" in inbox.upper() and reverse("coordination:liaison", args=[liaison.uuid]) in inbox

    page = assert_page_ok(client.get(reverse("coordination:liaison", args=[liaison.uuid])))
    assert "Aime l&#x27;atelier bois." in page
    assert "Dispute avec son frère" not in page
    assert "Admettre la personne" in page
    reads = AccessLogEntry.objects.filter(person=d.tom, actor=d.esat_pro.user, action="read", allowed=True)
    assert {(entry.category, entry.basis) for entry in reads} >= {
        (Category.IDENTITY, Basis.CONSENT),
        (Category.NOTES, Basis.CONSENT),
    }

    # The sender reads it too, as the team.
    page = assert_page_ok(login(d.ime_pro.user).get(reverse("coordination:liaison", args=[liaison.uuid])))
    assert "Annuler le dossier" in page


def test_a_third_establishment_gets_a_404(department, notes, login):
    d = department
    liaison = send_to_esat(d, [LiaisonPart.IDENTITY])
    for professional in (d.savs_pro, d.foyer_pro, d.foyer_director):
        client = login(professional.user)
        assert client.get(reverse("coordination:liaison", args=[liaison.uuid])).status_code == 404
        assert client.get(reverse("coordination:liaison_inbox", args=[d.esat.uuid])).status_code == 404
        assert client.post(reverse("coordination:liaison_cancel", args=[liaison.uuid])).status_code == 404
    assert AccessLogEntry.objects.filter(person=d.tom, actor=d.savs_pro.user, allowed=False).exists()


def test_the_import_creates_the_admission_and_the_receiving_team_then_reads_as_team(department, login):
    d = department
    liaison = send_to_esat(d, [LiaisonPart.IDENTITY, LiaisonPart.DEFICIENCIES])
    client = login(d.esat_pro.user)
    url = reverse("coordination:liaison", args=[liaison.uuid])
    response = client.post(url, {"start_date": ago(-3).isoformat(), "mode": "externat"})
    assert response.status_code == 302 and response["Location"] == url

    admission = Admission.objects.get(person=d.tom, establishment=d.esat)
    assert (admission.start_date, admission.mode) == (ago(-3), "externat")
    liaison.refresh_from_db()
    assert liaison.status == LiaisonStatus.IMPORTED and liaison.admission == admission
    assert liaison.imported_by == d.esat_pro.user

    assert_page_ok(client.get(reverse("people:detail", args=[d.tom.uuid])))
    latest = AccessLogEntry.objects.filter(person=d.tom, actor=d.esat_pro.user).latest("sequence")
    assert latest.basis == Basis.TEAM

    # Importing twice is refused with a clear message, and creates nothing more.
    page = assert_page_ok(client.post(url, {"start_date": ago(-3).isoformat(), "mode": "externat"}))
    assert "déjà été importé" in page
    assert Admission.objects.filter(person=d.tom, establishment=d.esat).count() == 1
    with pytest.raises(ValidationError, match="déjà été importé"):
        services.import_liaison(liaison, actor=actor(d.esat_director), start_date=ago(-3), mode="externat")


def test_only_the_receiver_imports_and_a_cancelled_file_cannot_be(department, login):
    d = department
    liaison = send_to_esat(d, [LiaisonPart.IDENTITY])
    url = reverse("coordination:liaison", args=[liaison.uuid])
    assert login(d.ime_pro.user).post(url, {"start_date": ago(0), "mode": "externat"}).status_code == 403

    response = login(d.ime_director.user).post(reverse("coordination:liaison_cancel", args=[liaison.uuid]))
    assert response.status_code == 302
    liaison.refresh_from_db()
    assert liaison.status == LiaisonStatus.CANCELLED
    assert login(d.esat_pro.user).get(url).status_code == 404
    with pytest.raises(ValidationError, match="annulé"):
        services.import_liaison(liaison, actor=actor(d.esat_pro), start_date=ago(0), mode="externat")
    assert not Admission.objects.filter(establishment=d.esat).exists()


def test_the_prepare_page_previews_exactly_what_will_be_sent_then_sends(department, notes, login):
    d = department
    kept, left = notes
    client = login(d.ime_pro.user)
    url = reverse("coordination:liaison_prepare", args=[d.tom.uuid])
    page = assert_page_ok(client.get(url, {"q": "esat rhone"}))
    assert "ESAT du Rhône" in page and "SAVS Lyon Est" not in page
    data = {
        "from_establishment": str(d.ime.uuid),
        "to_establishment": str(d.esat.uuid),
        "parts": ["notes", "deficiencies"],
        "notes": [str(kept.uuid)],
        "consent_given": "on",
        "given_by": "person",
        "how": "signed_paper",
    }
    page = assert_page_ok(client.post(url, {**data, "action": "preview"}))
    preview = page.split("Aperçu : exactement ce qui sera envoyé")[1].split("Consentement de la personne")[0]
    assert "Aime l&#x27;atelier bois." in preview
    assert "Dispute" not in preview and "MOREAU" not in preview.upper() and "Claire" not in preview
    assert not LiaisonFile.objects.exists()

    refused = assert_page_ok(client.post(url, {**data, "consent_given": "", "action": "send"}))
    assert "Sans le consentement de la personne" in refused
    assert not LiaisonFile.objects.exists()

    response = client.post(url, {**data, "action": "send"})
    liaison = LiaisonFile.objects.get()
    assert response["Location"] == reverse("coordination:liaison", args=[liaison.uuid])
    assert liaison.parts == ["notes", "deficiencies"] and liaison.note_uuids == [str(kept.uuid)]

    listing = assert_page_ok(client.get(reverse("coordination:liaisons", args=[d.tom.uuid])))
    assert "ESAT du Rhône" in listing and "Envoyé" in listing


def test_the_prepare_page_is_for_those_who_write_the_parcours(department, login):
    d = department
    url = reverse("coordination:liaison_prepare", args=[d.tom.uuid])
    assert login(d.esat_pro.user).get(url).status_code == 404
    send_to_esat(d, [LiaisonPart.IDENTITY])  # the ESAT now reads Tom's identity through the consent
    assert login(d.esat_pro.user).get(url).status_code == 403


def test_the_preview_comes_before_the_consent(department, login):
    from django.urls import reverse

    d = department
    response = login(d.ime_pro.user).post(
        reverse("coordination:liaison_prepare", args=[d.tom.uuid]),
        {
            "action": "preview",
            "from_establishment": d.ime.uuid,
            "to_establishment": d.foyer.uuid,
            "parts": ["identity"],
            # As the page sends them (its defaults); the consent box is left unticked.
            "given_by": "person",
            "how": "signed_paper",
        },
    )
    assert response.status_code == 200
    assert "Sans le consentement de la personne" not in response.content.decode()
    assert response.context["preview"] is not None
