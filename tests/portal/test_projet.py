"""The projet personnalisé in the person's space: versions frozen when the team proposes, the person's
or their legal representative's agreement, requests for changes, a relative's comments, the history,
and what the team sees of the answers."""

import datetime
import html
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from parcours.access.api import Actor
from parcours.access.enums import Basis, Category
from parcours.access.models import AccessLogEntry
from parcours.people.enums import ProtectionMeasure
from parcours.records import services
from parcours.records.enums import ProjetResponseKind, ProjetStatus, ResponseCapacity
from parcours.records.models import ProjetResponse, ProjetVersion
from parcours.records.services import GoalInput, PlannedServiceInput
from tests.conftest import assert_page_ok
from tests.factories import AdmissionFactory, EstablishmentFactory, concept, make_professional


def page_text(response) -> str:
    """The page, checked, with its HTML entities read back (apostrophes from variables are escaped)."""
    return html.unescape(assert_page_ok(response))


def team(family) -> Actor:
    return Actor(user=family.educator.user, ip_address="127.0.0.1")


def make_projet(family, *, goal="Prendre le bus seule", words="Je veux aller au collège en bus."):
    today = timezone.localdate()
    return services.create_projet(
        family.lea,
        establishment=family.ime,
        date=today - datetime.timedelta(days=3),
        review_date=today + datetime.timedelta(days=180),
        person_words=words,
        actor=team(family),
        goals=[GoalInput(goal, description="Apprendre le trajet avec un éducateur.")],
        planned_services=[
            PlannedServiceInput(concept("serafin-ph-prestations", "2.3.2.1"), 2, "week", goal_index=0),
            PlannedServiceInput(concept("serafin-ph-prestations", "2.3.3.4"), 1, "month"),
        ],
    )


def propose(family, projet):
    return services.change_projet_status(projet, status=ProjetStatus.PROPOSED, actor=team(family))


@pytest.fixture
def proposed(family):
    projet = make_projet(family)
    propose(family, projet)
    return projet


def url(name, family, projet=None, **more):
    args = [family.lea.uuid] + ([projet.uuid] if projet else []) + list(more.values())
    return reverse(f"portal:{name}", args=args)


def team_page_url(family, projet):
    return reverse("records:projet_detail", args=[family.lea.uuid, projet.uuid])


def agree(client, family, projet, version=1):
    return client.post(url("projet_agree", family, projet), {"version": version, "confirm": "on"})


def test_proposing_freezes_version_one_with_the_text_the_person_reads(family):
    projet = make_projet(family)
    assert not projet.versions.exists()
    propose(family, projet)
    version = projet.versions.get()
    content = json.loads(version.content)
    assert version.number == 1 and version.proposed_by == family.educator.user
    assert content["review_date"] == projet.review_date.isoformat()
    assert content["person_words"] == "Je veux aller au collège en bus."
    [goal] = content["goals"]
    assert goal["title"] == "Prendre le bus seule"
    assert goal["description"] == "Apprendre le trajet avec un éducateur."
    assert [s["code"] for s in goal["services"]] == ["2.3.2.1"]
    assert goal["services"][0]["frequency"] == "2 fois par semaine"
    assert goal["services"][0]["label"] == concept("serafin-ph-prestations", "2.3.2.1").label
    assert [(s["code"], s["frequency"]) for s in content["services"]] == [("2.3.3.4", "1 fois par mois")]


def test_the_person_reads_the_projet_in_plain_language(family, proposed, portal_client):
    content = page_text(portal_client(family.lea_user).get(url("projet", family)))
    assert "Mon projet personnalisé" in content
    assert "Mes objectifs" in content and "Prendre le bus seule" in content
    assert "Ce que l'équipe fait avec moi" in content and "2 fois par semaine" in content
    assert "Nous referons le point le" in content
    assert "Ce que j'ai dit" in content and "Je veux aller au collège en bus." in content
    assert "L'équipe attend votre réponse." in content
    assert "Je suis d'accord" in content
    assert url("projet_agree", family, proposed) in content


def test_the_easy_read_page_shows_one_goal_per_card_with_pictograms(family, proposed, portal_client):
    client = portal_client(family.lea_user)
    client.post(reverse("portal:easy_read"), {"on": "1", "next": "/portail/"})
    content = page_text(client.get(url("projet", family)))
    assert '<span class="portal-picto" aria-hidden="true">🎯</span> Prendre le bus seule' in content
    assert "🤝</span> 2 fois par semaine : " in content
    assert "Je veux changer quelque chose" in content


def test_the_person_agrees_with_identity_capacity_and_date(family, proposed, portal_client):
    response = agree(portal_client(family.lea_user), family, proposed)
    assert response.status_code == 302 and response["Location"] == url("projet", family)
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.AGREED and proposed.agreed_at is not None
    answer = ProjetResponse.objects.get()
    assert answer.kind == ProjetResponseKind.AGREE and answer.version.number == 1
    assert answer.author == family.lea_user and answer.capacity == ResponseCapacity.PERSON
    assert answer.protection is None
    assert abs((answer.at - timezone.now()).total_seconds()) < 60
    page = page_text(portal_client(family.lea_user).get(url("projet", family)))
    assert "Validé le" in page and "par vous" in page


def test_the_guardian_agrees_for_the_person_under_the_measure(family, proposed, portal_client):
    assert agree(portal_client(family.guardian), family, proposed).status_code == 302
    answer = ProjetResponse.objects.get()
    assert answer.capacity == ResponseCapacity.REPRESENTATIVE
    assert answer.protection == family.protection and answer.author == family.guardian
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.AGREED
    # Léa reads who agreed for her.
    page = page_text(portal_client(family.lea_user).get(url("projet", family)))
    assert "par votre représentant légal" in page


def test_a_curator_agrees_beside_the_person(family, proposed, portal_client):
    family.protection.measure = ProtectionMeasure.CURATELLE_RENFORCEE
    family.protection.save()
    assert agree(portal_client(family.guardian), family, proposed).status_code == 302
    answer = ProjetResponse.objects.get()
    assert answer.capacity == ResponseCapacity.REPRESENTATIVE and answer.protection == family.protection


def test_a_relative_comments_but_never_agrees(family, proposed, portal_client):
    client = portal_client(family.mother)
    page = page_text(client.get(url("projet", family)))
    assert "Je suis d'accord" not in page and url("projet_agree", family, proposed) not in page
    assert "Le projet personnalisé de Léa" in page
    assert agree(client, family, proposed).status_code == 404
    changes = client.post(url("projet_changes", family, proposed), {"version": 1, "text": "Plus de sport."})
    assert changes.status_code == 404
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.PROPOSED and not ProjetResponse.objects.exists()
    refused = AccessLogEntry.objects.filter(actor=family.mother, allowed=False)
    assert refused.count() == 2 and set(refused.values_list("category", flat=True)) == {Category.PROJET}

    comment = client.post(
        url("projet_comment", family, proposed), {"version": 1, "text": "Bravo à l'équipe."}
    )
    assert comment.status_code == 302
    answer = ProjetResponse.objects.get()
    assert answer.kind == ProjetResponseKind.COMMENT and answer.capacity == ResponseCapacity.RELATIVE
    assert answer.text == "Bravo à l'équipe." and answer.author == family.mother
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.PROPOSED


def test_a_relative_without_the_projet_right_sees_nothing(family, proposed, portal_client):
    account = family.mother.portal_accounts.get()
    account.rights = ["day"]
    account.save()
    client = portal_client(family.mother)
    assert client.get(url("projet", family)).status_code == 404
    assert client.get(url("projet_history", family, proposed)).status_code == 404
    comment = client.post(url("projet_comment", family, proposed), {"version": 1, "text": "Bonjour."})
    assert comment.status_code == 404
    assert not ProjetResponse.objects.exists()


def test_nobody_reaches_another_persons_projet(family, portal_client):
    other_projet = services.create_projet(
        family.other,
        establishment=family.ime,
        date=timezone.localdate(),
        review_date=timezone.localdate() + datetime.timedelta(days=90),
        actor=team(family),
    )
    propose(family, other_projet)
    client = portal_client(family.lea_user)
    other = reverse("portal:projet", args=[family.other.uuid])
    assert client.get(other).status_code == 404
    # Léa's space does not open another person's projet either.
    assert client.get(url("projet_history", family, other_projet)).status_code == 404
    assert agree(client, family, other_projet).status_code == 404
    other_projet.refresh_from_db()
    assert other_projet.status == ProjetStatus.PROPOSED


def test_asking_for_changes_keeps_the_projet_proposed_and_the_team_sees_it(
    family, proposed, portal_client, login
):
    client = portal_client(family.lea_user)
    empty = client.post(url("projet_changes", family, proposed), {"version": 1, "text": "  "})
    assert "Écrivez ce que vous voulez changer." in page_text(empty)
    assert not ProjetResponse.objects.exists()
    response = client.post(
        url("projet_changes", family, proposed), {"version": 1, "text": "Je veux aussi faire du vélo."}
    )
    assert response.status_code == 302
    answer = ProjetResponse.objects.get()
    assert answer.kind == ProjetResponseKind.CHANGES and answer.capacity == ResponseCapacity.PERSON
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.PROPOSED

    team_page = page_text(
        login(family.educator.user).get(
            reverse("records:projet_detail", args=[family.lea.uuid, proposed.uuid])
        )
    )
    assert "Demande de modification en attente" in team_page
    assert "Je veux aussi faire du vélo." in team_page
    assert "La personne elle-même" in team_page


def test_the_agreement_needs_the_box_ticked(family, proposed, portal_client):
    page = portal_client(family.lea_user).post(url("projet_agree", family, proposed), {"version": 1})
    assert "Cochez la case" in page_text(page)
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.PROPOSED and not ProjetResponse.objects.exists()


def test_agreeing_a_version_the_team_replaced_is_refused(family, proposed, portal_client):
    client = portal_client(family.lea_user)
    # The team takes the projet back, changes it and proposes version 2 while Léa reads version 1.
    services.change_projet_status(proposed, status=ProjetStatus.DRAFT, actor=team(family))
    services.update_projet(
        proposed,
        establishment=family.ime,
        date=proposed.date,
        review_date=proposed.review_date,
        actor=team(family),
        goals=[GoalInput("Prendre le train")],
    )
    propose(family, proposed)
    response = agree(client, family, proposed, version=1)
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.PROPOSED and not ProjetResponse.objects.exists()
    page = page_text(client.get(url("projet", family)))
    assert "L'équipe a changé le projet depuis que vous l'avez ouvert." in page
    assert "Prendre le train" in page
    assert agree(client, family, proposed, version=2).status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == ProjetStatus.AGREED


def test_a_projet_not_proposed_cannot_be_agreed(family, portal_client):
    projet = make_projet(family)
    client = portal_client(family.lea_user)
    # A draft never proposed is not in the space at all.
    assert "Pas encore de projet à lire." in page_text(client.get(url("projet", family)))
    assert agree(client, family, projet).status_code == 302
    projet.refresh_from_db()
    assert projet.status == ProjetStatus.DRAFT and not ProjetResponse.objects.exists()
    # Agreed once, it is not agreed again.
    propose(family, projet)
    agree(client, family, projet)
    with pytest.raises(ValidationError, match="Ce projet n'attend pas de réponse"):
        services.respond_to_projet(
            projet, version_number=1, kind=ProjetResponseKind.AGREE, actor=Actor(user=family.guardian)
        )
    assert ProjetResponse.objects.count() == 1


def test_a_review_makes_version_two_and_version_one_keeps_its_agreement(family, proposed, portal_client):
    client = portal_client(family.lea_user)
    agree(client, family, proposed)
    services.change_projet_status(proposed, status=ProjetStatus.UNDER_REVIEW, actor=team(family))
    page = page_text(client.get(url("projet", family)))
    assert "L'équipe prépare une nouvelle version" in page and "Prendre le bus seule" in page
    services.update_projet(
        proposed,
        establishment=family.ime,
        date=proposed.date,
        review_date=proposed.review_date,
        actor=team(family),
        person_words="Je veux prendre le train.",
        goals=[GoalInput("Prendre le train seule")],
    )
    propose(family, proposed)
    assert list(proposed.versions.values_list("number", flat=True)) == [2, 1]
    first = proposed.versions.get(number=1)
    assert "Prendre le bus seule" in first.content
    assert first.responses.get().kind == ProjetResponseKind.AGREE
    assert not proposed.versions.get(number=2).responses.exists()

    client.post(url("projet_comment", family, proposed), {"version": 2, "text": "C'est mieux ainsi."})
    agree(portal_client(family.guardian), family, proposed, version=2)
    portal_client(family.mother).post(
        url("projet_comment", family, proposed), {"version": 2, "text": "Merci."}
    )

    history = page_text(client.get(url("projet_history", family, proposed)))
    assert "Version 2" in history and "Version 1" in history
    assert history.index("Version 2") < history.index("Version 1")
    assert "Commentaire</span>\n          Vous," in history
    assert "Votre représentant légal (tutelle)," in history
    assert "Sophie (proche)," in history
    assert "Accord</span>\n          Vous," in history

    old = page_text(client.get(url("projet_version", family, proposed, number=1)))
    assert "Prendre le bus seule" in old and "Prendre le train" not in old
    assert "Ce n'est plus la version actuelle" in old
    current = page_text(client.get(url("projet_version", family, proposed, number=2)))
    assert "Prendre le train seule" in current and "Version actuelle" in current
    assert client.get(url("projet_version", family, proposed, number=3)).status_code == 404

    # The mother reads who answered, from her side.
    mother_history = page_text(portal_client(family.mother).get(url("projet_history", family, proposed)))
    assert "Léa," in mother_history and "Le représentant légal de Léa (tutelle)," in mother_history
    assert "Vous," in mother_history and "Sophie (proche)" not in mother_history


def test_the_team_sees_versions_and_answers_on_the_projet_page(family, proposed, portal_client, login):
    agree(portal_client(family.guardian), family, proposed)
    page = page_text(
        login(family.educator.user).get(
            reverse("records:projet_detail", args=[family.lea.uuid, proposed.uuid])
        )
    )
    assert "Versions proposées et réponses" in page and "Version 1" in page
    assert "Son représentant légal (Tutelle)" in page
    assert "Marc Durand" in page
    entry = AccessLogEntry.objects.filter(actor=family.educator.user, category=Category.PROJET).latest(
        "sequence"
    )
    assert entry.allowed and entry.basis == Basis.TEAM


def test_a_paper_agreement_recorded_by_the_team(family, proposed, portal_client):
    services.change_projet_status(proposed, status=ProjetStatus.AGREED, actor=team(family))
    answer = ProjetResponse.objects.get()
    assert answer.kind == ProjetResponseKind.AGREE and answer.capacity == ResponseCapacity.TEAM
    assert answer.author == family.educator.user and answer.version.number == 1
    page = page_text(portal_client(family.lea_user).get(url("projet", family)))
    assert "par l'équipe (accord recueilli sur papier)" in page


def test_a_projet_proposed_before_versions_existed_is_frozen_when_agreed_on_paper(family):
    projet = make_projet(family)
    projet.status = ProjetStatus.PROPOSED
    projet.save()
    services.change_projet_status(projet, status=ProjetStatus.AGREED, actor=team(family))
    assert ProjetVersion.objects.get().responses.get().capacity == ResponseCapacity.TEAM


def test_one_projet_per_establishment(family, proposed, portal_client):
    esat = EstablishmentFactory(name="ESAT du Parc")
    AdmissionFactory(person=family.lea, establishment=esat)
    esat_team = Actor(user=make_professional(esat).user)
    today = timezone.localdate()
    esat_projet = services.create_projet(
        family.lea,
        establishment=esat,
        date=today,
        review_date=today + datetime.timedelta(days=100),
        actor=esat_team,
        goals=[GoalInput("Travailler en cuisine")],
    )
    services.change_projet_status(esat_projet, status=ProjetStatus.PROPOSED, actor=esat_team)
    page = page_text(portal_client(family.lea_user).get(url("projet", family)))
    assert "Avec ESAT du Parc" in page and "Avec IME Les Tilleuls" in page
    assert "Travailler en cuisine" in page and "Prendre le bus seule" in page
    assert page.count('name="confirm"') == 2
    # Each projet's form has its own field ids.
    assert len(set(re.findall(r'id="(id_[0-9a-f]{8}_accord_confirm)"', page))) == 2


def test_the_access_log_holds_reads_and_writes_with_their_bases(family, proposed, portal_client):
    portal_client(family.lea_user).get(url("projet", family))
    agree(portal_client(family.guardian), family, proposed)
    portal_client(family.mother).post(
        url("projet_comment", family, proposed), {"version": 1, "text": "Bien."}
    )
    rows = set(
        AccessLogEntry.objects.filter(person=family.lea, category=Category.PROJET, allowed=True)
        .exclude(actor=family.educator.user)
        .values_list("actor__username", "action", "basis")
    )
    assert ("lea", "read", Basis.PERSON) in rows
    assert ("marc", "read", Basis.REPRESENTATIVE) in rows
    assert ("marc", "update", Basis.REPRESENTATIVE) in rows
    assert ("sophie", "create", Basis.RELATIVE) in rows
    # Writes carry the object they wrote, never a text.
    write = AccessLogEntry.objects.get(actor=family.mother, action="create")
    comment = ProjetResponse.objects.get(kind=ProjetResponseKind.COMMENT)
    assert write.object_type == "ProjetResponse" and write.object_uuid == comment.uuid
    assert "Bien." not in json.dumps(write.details)
