"""Waiting lists of the establishments: the page, the priority, the decisions, direct registration."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from parcours.access.api import AccessDenied, Actor
from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.coordination import waiting
from parcours.coordination.enums import RequestStatus, WaitingListOutcome, WaitingListPriority
from parcours.coordination.models import AdmissionRequest, WaitingListEntry
from parcours.organisations.enums import SupportMode
from parcours.reporting import registry
from parcours.reporting.registry import Period, Scope
from tests.conftest import assert_page_ok
from tests.coordination.conftest import ago
from tests.factories import AdmissionFactory, MdphDecisionFactory, PersonFactory, WaitingListEntryFactory

pytestmark = pytest.mark.django_db

OUT = WaitingListOutcome
PRIO = WaitingListPriority


def actor(professional) -> Actor:
    return Actor(user=type(professional.user).objects.get(pk=professional.user.pk), ip_address="127.0.0.1")


def list_url(establishment) -> str:
    return reverse("coordination:waiting_list", args=[establishment.uuid])


@pytest.fixture
def esat_list(department):
    """The ESAT's list: Inès (urgent, 100 days), Léa (normal, 200 days), Tom (normal, 40 days, on his
    MDPH orientation); Paul left it ten days ago; Tom also waits for the foyer (not on this list)."""
    d = department
    lea = PersonFactory(birth_name="Garnier", first_names="Léa")
    paul = PersonFactory(birth_name="Blanc", first_names="Paul")
    entries = {
        "ines": WaitingListEntryFactory(
            person=d.ines, establishment=d.esat, registered_on=ago(100), priority=PRIO.URGENT,
            mode=SupportMode.MILIEU_ORDINAIRE,
        ),
        "lea": WaitingListEntryFactory(person=lea, establishment=d.esat, registered_on=ago(200)),
        "tom": WaitingListEntryFactory(
            person=d.tom, establishment=d.esat, registered_on=ago(40), mdph_decision=d.orientation_esat
        ),
        "paul": WaitingListEntryFactory(
            person=paul, establishment=d.esat, registered_on=ago(300), left_on=ago(10), outcome=OUT.WITHDRAWN,
            decision_note="Préfère rester chez ses parents.",
        ),
        "tom_foyer": WaitingListEntryFactory(
            person=d.tom, establishment=d.foyer, registered_on=ago(40), mode=SupportMode.INTERNAT
        ),
    }  # fmt: skip
    return entries


def test_the_page_lists_the_waiting_candidates_by_priority_then_date(department, esat_list, login):
    response = login(department.esat_pro.user).get(list_url(department.esat))
    content = assert_page_ok(response)
    data = response.context["data"]
    assert [line.entry for line in data.lines] == [esat_list["ines"], esat_list["lea"], esat_list["tom"]]
    assert [(line.days, line.entry.get_priority_display()) for line in data.lines] == [
        (100, "Urgente"),
        (200, "Normale"),
        (40, "Normale"),
    ]
    assert data.total == 3
    assert dict(data.by_mode) == {"Externat": 2, "Milieu ordinaire / ambulatoire": 1}
    assert "100 jours" in content and "200 jours" in content and "40 jours" in content
    # Tom's MDPH orientation, with its validity.
    tom_line = data.lines[2]
    assert tom_line.entry.mdph_decision == department.orientation_esat
    assert f"au {department.orientation_esat.end_date:%d/%m/%Y}" in content
    # Paul left the list: among the recent decisions, with the outcome and the note, not among the
    # candidates.
    assert data.decisions == [esat_list["paul"]]
    assert "Retrait à la demande de la personne" in content and "Préfère rester chez ses parents." in content
    # The foyer's list is not the ESAT's.
    assert esat_list["tom_foyer"] not in [line.entry for line in data.lines]


def test_time_waited_in_months():
    assert waiting.months_between(datetime.date(2025, 1, 15), datetime.date(2025, 3, 14)) == 1
    assert waiting.months_between(datetime.date(2025, 1, 15), datetime.date(2025, 3, 15)) == 2
    assert waiting.months_between(datetime.date(2024, 12, 31), datetime.date(2025, 1, 30)) == 0
    assert waiting.months_between(datetime.date(2025, 1, 1), datetime.date(2025, 1, 1)) == 0


def test_filters_by_mode_and_priority(department, esat_list, login):
    client = login(department.esat_director.user)
    data = client.get(list_url(department.esat), {"mode": SupportMode.EXTERNAT}).context["data"]
    assert [line.entry for line in data.lines] == [esat_list["lea"], esat_list["tom"]]
    data = client.get(list_url(department.esat), {"priorite": PRIO.URGENT}).context["data"]
    assert [line.entry for line in data.lines] == [esat_list["ines"]]
    # A value out of the lists is ignored: the whole list.
    response = client.get(list_url(department.esat), {"priorite": "99", "mode": "<script>"})
    assert len(response.context["data"].lines) == 3
    # The counts per mode stay those of the whole list.
    assert response.context["data"].total == 3


def test_the_list_is_logged_for_each_person_shown(department, esat_list, login):
    client = login(department.esat_pro.user)
    before = AccessLogEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    client.get(list_url(department.esat))
    entries = AccessLogEntry.objects.filter(actor=department.esat_pro.user, pk__gt=before)
    listed = AccessLogEntry.objects.filter(
        actor=department.esat_pro.user, action=Action.LIST, category=Category.PARCOURS
    )
    # Inès, Léa, Tom on the list; Paul in the recent decisions.
    assert {entry.person_id for entry in listed} == {
        esat_list[key].person_id for key in ("ines", "lea", "tom", "paul")
    }
    assert all(entry.allowed and entry.category == Category.PARCOURS for entry in entries)


def test_a_team_of_another_establishment_gets_a_404(department, esat_list, login):
    entry = esat_list["ines"]
    for professional in (department.foyer_pro, department.ime_director, department.savs_pro):
        client = login(professional.user)
        assert client.get(list_url(department.esat)).status_code == 404
        assert client.get(reverse("coordination:waiting_decide", args=[entry.uuid])).status_code == 404
        response = client.post(reverse("coordination:waiting_priority", args=[entry.uuid]), {"priority": 1})
        assert response.status_code == 404
        assert (
            client.get(reverse("coordination:waiting_register", args=[department.esat.uuid])).status_code
            == 404
        )
    entry.refresh_from_db()
    assert entry.priority == PRIO.URGENT and entry.left_on is None


def test_the_services_refuse_another_establishment_and_log_the_refusal(department, esat_list):
    entry = esat_list["lea"]
    with pytest.raises(AccessDenied):
        waiting.set_priority(entry, actor=actor(department.foyer_pro), priority=PRIO.URGENT)
    with pytest.raises(AccessDenied):
        waiting.decide(entry, actor=actor(department.foyer_pro), outcome=OUT.WITHDRAWN, left_on=ago(1))
    entry.refresh_from_db()
    assert (entry.priority, entry.left_on, entry.outcome) == (PRIO.NORMAL, None, "")
    refusals = AccessLogEntry.objects.filter(
        actor=department.foyer_pro.user, person=entry.person, allowed=False
    )
    assert refusals.count() == 2


def test_change_the_priority(department, esat_list, login):
    client = login(department.esat_pro.user)
    response = client.post(
        reverse("coordination:waiting_priority", args=[esat_list["tom"].uuid]), {"priority": "1"}
    )
    assert response.status_code == 302 and response.url == list_url(department.esat)
    data = client.get(list_url(department.esat)).context["data"]
    # Tom now urgent, before Inès (urgent too, but since 100 days... Inès registered earlier).
    assert [line.entry for line in data.lines] == [esat_list["ines"], esat_list["tom"], esat_list["lea"]]
    assert AccessLogEntry.objects.filter(
        actor=department.esat_pro.user,
        person=department.tom,
        action=Action.UPDATE,
        category=Category.PARCOURS,
    ).exists()
    # A priority out of the scale changes nothing.
    client.post(reverse("coordination:waiting_priority", args=[esat_list["tom"].uuid]), {"priority": "7"})
    esat_list["tom"].refresh_from_db()
    assert esat_list["tom"].priority == PRIO.URGENT
    with pytest.raises(ValidationError):
        waiting.set_priority(esat_list["tom"], actor=actor(department.esat_pro), priority=9)


def snapshot(entry):
    entry.refresh_from_db()
    return (entry.left_on, entry.outcome, entry.decision_note, entry.priority)


def test_a_decision_needs_an_outcome_a_reason_and_sound_dates(department, esat_list, login):
    entry = esat_list["lea"]
    url = reverse("coordination:waiting_decide", args=[entry.uuid])
    client = login(department.esat_director.user)
    assert_page_ok(client.get(url))
    before = snapshot(entry)
    cases = [
        ({"left_on": ago(1), "confirm": "on"}, "outcome", "Ce champ est obligatoire."),
        ({"outcome": OUT.OTHER, "left_on": ago(1), "confirm": "on"}, "decision_note", "Précisez le motif"),
        (
            {"outcome": OUT.WITHDRAWN, "left_on": ago(201), "confirm": "on"},
            "left_on",
            "précéder l'inscription",
        ),
        ({"outcome": OUT.WITHDRAWN, "left_on": ago(-3), "confirm": "on"}, "left_on", "dans le futur"),
        ({"outcome": OUT.WITHDRAWN, "left_on": ago(1)}, "confirm", "Cochez la case"),
        ({"outcome": "lost", "left_on": ago(1), "confirm": "on"}, "outcome", "Sélectionnez un choix valide"),
    ]
    for data, field, message in cases:
        response = client.post(url, {key: str(value) for key, value in data.items()})
        assert response.status_code == 200, data
        errors = " ".join(response.context["form"].errors.get(field, []))
        assert message in errors, (data, response.context["form"].errors)
        assert snapshot(entry) == before
    response = client.post(
        url,
        {"outcome": OUT.OTHER, "left_on": str(ago(2)), "decision_note": "Projet de vie en milieu ordinaire.",
         "confirm": "on"},
    )  # fmt: skip
    assert response.status_code == 302 and response.url == list_url(department.esat)
    assert snapshot(entry) == (ago(2), OUT.OTHER, "Projet de vie en milieu ordinaire.", PRIO.NORMAL)
    data = client.get(list_url(department.esat)).context["data"]
    assert entry not in [line.entry for line in data.lines]
    assert data.decisions[0] == entry
    # Decided once: the entry is no longer open to a decision.
    assert client.get(url).status_code == 404
    with pytest.raises(ValidationError, match="déjà quitté"):
        waiting.decide(entry, actor=actor(department.esat_director), outcome=OUT.WITHDRAWN, left_on=ago(1))


def test_a_decision_the_same_day_as_the_registration(department, esat_list):
    entry = WaitingListEntryFactory(
        person=PersonFactory(), establishment=department.esat, registered_on=ago(0)
    )
    waiting.decide(entry, actor=actor(department.esat_pro), outcome=OUT.DECEASED, left_on=ago(0))
    entry.refresh_from_db()
    assert (entry.left_on, entry.outcome, entry.decision_note) == (ago(0), OUT.DECEASED, "")


def test_an_entry_following_an_open_request_is_decided_on_the_request(department, login):
    request = AdmissionRequest.objects.create(
        person=department.tom, mdph_decision=department.orientation_esat, establishment=department.esat,
        mode=SupportMode.EXTERNAT, status=RequestStatus.UNDER_STUDY, status_date=ago(5), sent_on=ago(20),
        sent_by=department.ime_pro.user, sent_from=department.ime,
    )  # fmt: skip
    entry = WaitingListEntryFactory(
        person=department.tom, establishment=department.esat, registered_on=ago(5), request=request
    )
    client = login(department.esat_pro.user)
    response = client.get(list_url(department.esat))
    content = assert_page_ok(response)
    line = response.context["data"].lines[0]
    assert (line.step, line.decided_on_request) == ("en étude", True)
    assert reverse("coordination:request", args=[request.uuid]) in content
    url = reverse("coordination:waiting_decide", args=[entry.uuid])
    response = client.post(url, {"outcome": OUT.WITHDRAWN, "left_on": str(ago(1)), "confirm": "on"})
    assert "la décision se prend sur la demande" in response.content.decode()
    entry.refresh_from_db()
    assert entry.left_on is None


def test_register_directly_from_a_search(department, login):
    d = department
    client = login(d.ime_pro.user)
    # The IME keeps a list too; Tom is supported there and visible to its team.
    url = reverse("coordination:waiting_register", args=[d.ime.uuid])
    assert_page_ok(client.get(url))
    content = assert_page_ok(client.get(url, {"q": "moreau"}))
    assert f"?personne={d.tom.uuid}" in content
    form_url = f"{url}?personne={d.tom.uuid}"
    assert_page_ok(client.get(form_url))
    before = WaitingListEntry.objects.count()
    bad = [
        ({"mode": "", "registered_on": str(ago(1)), "priority": "3"}, "mode"),
        ({"mode": SupportMode.INTERNAT, "registered_on": str(ago(-1)), "priority": "3"}, "registered_on"),
        ({"mode": SupportMode.INTERNAT, "registered_on": str(ago(1)), "priority": "0"}, "priority"),
        ({"mode": SupportMode.INTERNAT, "registered_on": str(ago(1)), "priority": "3",
          "mdph_decision": str(MdphDecisionFactory().uuid)}, "mdph_decision"),
    ]  # fmt: skip
    for data, field in bad:
        response = client.post(form_url, data)
        assert response.status_code == 200 and field in response.context["form"].errors, data
    assert WaitingListEntry.objects.count() == before
    response = client.post(
        form_url,
        {"mode": SupportMode.INTERNAT, "registered_on": str(ago(3)), "priority": "2",
         "mdph_decision": str(d.orientation_foyer.uuid)},
    )  # fmt: skip
    assert response.status_code == 302 and response.url == list_url(d.ime)
    entry = WaitingListEntry.objects.get(person=d.tom, establishment=d.ime)
    assert (entry.mode, entry.registered_on, entry.priority, entry.mdph_decision, entry.request) == (
        SupportMode.INTERNAT, ago(3), PRIO.HIGH, d.orientation_foyer, None,
    )  # fmt: skip
    assert AccessLogEntry.objects.filter(
        actor=d.ime_pro.user, person=d.tom, action=Action.CREATE, category=Category.PARCOURS, allowed=True
    ).exists()
    # Once only per establishment and mode while waiting.
    response = client.post(
        form_url, {"mode": SupportMode.INTERNAT, "registered_on": str(ago(1)), "priority": "3"}
    )
    assert "attend déjà" in " ".join(response.context["form"].errors["mode"])
    assert WaitingListEntry.objects.count() == before + 1


def test_register_a_person_the_user_may_not_see(department, login):
    d = department
    # Inès has no record the ESAT may read: the page hides her, the service refuses.
    url = reverse("coordination:waiting_register", args=[d.esat.uuid])
    client = login(d.esat_pro.user)
    assert client.get(url, {"personne": str(d.ines.uuid)}).status_code == 404
    assert client.get(url, {"personne": "pas-un-uuid"}).status_code == 302
    with pytest.raises(AccessDenied):
        waiting.register(
            d.ines, d.esat, actor=actor(d.esat_pro), mode=SupportMode.EXTERNAT, registered_on=ago(1)
        )
    # Tom is visible to the IME's team, but the ESAT's list is not theirs.
    with pytest.raises(AccessDenied):
        waiting.register(
            d.tom, d.esat, actor=actor(d.ime_pro), mode=SupportMode.EXTERNAT, registered_on=ago(1)
        )
    assert not WaitingListEntry.objects.exists()


def test_the_page_makes_a_bounded_number_of_queries(department, login, django_assert_max_num_queries):
    d = department
    for k in range(60):
        WaitingListEntryFactory(
            person=PersonFactory(), establishment=d.esat, registered_on=ago(k + 1),
            priority=PRIO.URGENT if k % 7 == 0 else PRIO.NORMAL,
            mdph_decision=None, mode=SupportMode.EXTERNAT if k % 2 else SupportMode.MILIEU_ORDINAIRE,
        )  # fmt: skip
    for k in range(30):
        WaitingListEntryFactory(
            person=PersonFactory(), establishment=d.esat, registered_on=ago(300), left_on=ago(k + 1),
            outcome=OUT.ORIENTED_ELSEWHERE,
        )  # fmt: skip
    client = login(d.esat_pro.user)
    client.get(list_url(d.esat))  # the session's first request
    with django_assert_max_num_queries(14):
        response = client.get(list_url(d.esat))
    assert len(response.context["data"].lines) == 25
    with django_assert_max_num_queries(14):
        response = client.get(list_url(d.esat), {"mode": SupportMode.EXTERNAT, "page": "2"})
    assert len(response.context["data"].lines) == 5


def test_today_is_the_day_of_the_list(department):
    """Registered today: waiting 0 days; an entry registered tomorrow (an import) is not shown yet."""
    WaitingListEntryFactory(person=PersonFactory(), establishment=department.esat, registered_on=ago(0))
    WaitingListEntryFactory(person=PersonFactory(), establishment=department.esat, registered_on=ago(-1))
    data = waiting.read_waiting_list(department.esat, actor=actor(department.esat_pro))
    assert [line.days for line in data.lines] == [0]
    assert data.today == timezone.localdate()


def test_ines_is_sans_solution_until_her_admission(department):
    """Inès: an orientation towards an ESAT in force (MDPH 69), admitted nowhere. Tom is oriented
    too, but supported by the IME."""
    d = department
    today = timezone.localdate()
    period = Period(today - datetime.timedelta(days=30), today)

    def without_solution(scope):
        return registry.get("personnes-sans-solution").evaluate(scope, period)

    assert without_solution(Scope.department("69")) == 1
    # On no list yet: not counted by the ESAT.
    assert without_solution(Scope.establishment(d.esat)) == 0
    WaitingListEntryFactory(
        person=d.ines,
        establishment=d.esat,
        registered_on=ago(100),
        mdph_decision=d.ines.mdph_decisions.get(),
    )
    assert without_solution(Scope.establishment(d.esat)) == 1
    assert without_solution(Scope.gestionnaire(d.g)) == 1
    # The foyer is not the category of her orientation.
    WaitingListEntryFactory(person=d.ines, establishment=d.foyer, registered_on=ago(100))
    assert without_solution(Scope.establishment(d.foyer)) == 0
    AdmissionFactory(person=d.ines, establishment=d.esat, start_date=today)
    assert without_solution(Scope.department("69")) == 0
    assert without_solution(Scope.establishment(d.esat)) == 0
