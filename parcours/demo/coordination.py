"""The coordination of the parcours in the demonstration: admission requests, a liaison file and a
circle of carers, around the establishment of the demonstration's team logins.

- Requests received: persons waiting today on the establishment's list with an MDPH orientation
  towards its category, notified by the MDPH (recorded by the direction), at each step of the ANS
  statuses: envoyée, reçue, en étude, acceptée, refusée with a reason; the waiting-list entry points
  to its request.
- Requests sent: persons supported today with a valid orientation towards another category, sent by
  the team's educator to an establishment of that category, at various steps (one cancelled).
- One liaison file sent, with the person's consent, to the structure that accepted a request (or to
  the partner structure of the circle): identity, current needs and projet personnalisé.
- The circle around the person of the demonstration's family login: the educator (referent), a
  professional of another structure (a SAVS when there is one) with the person's consent to it and a
  login printed with the others (`partenaire`), the family carer with their login; tasks, agenda
  (past and upcoming), one conversation between professionals and one with the family.

Written with the ORM, bypassing the services like the rest of the demo (nothing in the access log,
no notification); the texts are invented, like every name of the demonstration."""

import datetime
import json
import random

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from parcours.access.enums import Category, ConsentDecision, ConsentGivenBy, ConsentHow
from parcours.access.models import Consent
from parcours.accounts.models import User
from parcours.coordination import liaison
from parcours.coordination.enums import (
    CircleRole,
    LiaisonPart,
    LiaisonStatus,
    RefusalReason,
    RequestStatus,
    TaskStatus,
    ThreadAudience,
    WaitingListOutcome,
)
from parcours.coordination.models import (
    AdmissionRequest,
    AdmissionRequestEvent,
    CircleEvent,
    CircleMember,
    CircleMessage,
    CircleTask,
    CircleThread,
    LiaisonFile,
    WaitingListEntry,
)
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Capacity, Establishment
from parcours.people.enums import MdphDecisionType
from parcours.people.models import MdphDecision, Person
from parcours.portal.models import PortalAccount
from parcours.records.models import Admission
from parcours.staff.enums import Role
from parcours.staff.models import Membership

LOGIN_PARTNER = "partenaire"
PARTNER_CATEGORIES = ("446", "445", "183", "246")  # SAVS, SAMSAH, then any structure
MAX_SENT = 4
STEP_DAYS = 10

# The path of each request to its status, from "envoyée".
PATHS = {
    RequestStatus.SENT: [RequestStatus.SENT],
    RequestStatus.READ: [RequestStatus.SENT, RequestStatus.READ],
    RequestStatus.UNDER_STUDY: [RequestStatus.SENT, RequestStatus.READ, RequestStatus.UNDER_STUDY],
    RequestStatus.ADMISSIBLE: [
        RequestStatus.SENT,
        RequestStatus.READ,
        RequestStatus.UNDER_STUDY,
        RequestStatus.ADMISSIBLE,
    ],
    RequestStatus.IMPOSSIBLE: [
        RequestStatus.SENT,
        RequestStatus.READ,
        RequestStatus.UNDER_STUDY,
        RequestStatus.IMPOSSIBLE,
    ],
    RequestStatus.CANCELLED: [RequestStatus.SENT, RequestStatus.CANCELLED],
}
RECEIVED_STEPS = (
    RequestStatus.SENT,
    RequestStatus.READ,
    RequestStatus.UNDER_STUDY,
    RequestStatus.ADMISSIBLE,
    RequestStatus.IMPOSSIBLE,
)
SENT_STEPS = (
    RequestStatus.ADMISSIBLE,
    RequestStatus.UNDER_STUDY,
    RequestStatus.SENT,
    RequestStatus.CANCELLED,
)
REFUSAL = (RefusalReason.RESOURCES, "Pas de place avant la fin de l'année ; nous restons en contact.")

TASKS = (
    ("Envoyer le bilan d'orthophonie au SAVS", 7, TaskStatus.OPEN),
    ("Renouveler la demande de transport adapté", 21, TaskStatus.OPEN),
    ("Prévenir la famille de la réunion de synthèse", -5, TaskStatus.DONE),
)
EVENTS = (
    (-10, 10, "Réunion de synthèse", "Salle de réunion de l'établissement", "Équipe, SAVS, famille"),
    (4, 14, "Visite du logement accompagné", "Résidence Les Glycines", "Conseillère du SAVS"),
    (12, 9, "Consultation chez le médecin traitant", "Cabinet médical du centre", "Mère et éducatrice"),
)
TEAM_THREAD = (
    "Préparer la sortie vers le logement accompagné",
    (
        "Bonjour, je vous propose de faire le point sur les démarches avant la visite de jeudi.",
        "Merci, je passerai avec le dossier de demande d'aide au logement.",
    ),
)
FAMILY_THREAD = (
    "Visite du logement jeudi",
    ("Bonjour, la visite du logement est confirmée jeudi à 14 h. Vous êtes la bienvenue.",),
)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _valid_orientations(today: datetime.date):
    return (
        MdphDecision.objects.filter(
            decision_type=MdphDecisionType.ORIENTATION_ESMS,
            orientation_category__isnull=False,
            start_date__lte=today,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("person_id", "-decision_date", "pk")
    )


def _mode(establishment_id: int, rng: random.Random) -> str:
    modes = list(
        Capacity.objects.filter(establishment_id=establishment_id)
        .exclude(mode=SupportMode.ACCUEIL_TEMPORAIRE)
        .order_by("mode")
        .values_list("mode", flat=True)
    )
    return rng.choice(modes) if modes else SupportMode.EXTERNAT


def _request(
    person_id, decision, establishment_id, *, status, today, sent_by, recorded_by, sent_from, mode, entry=None
):
    """A request at `status`, with one event per step from "envoyée", ten days apart, the last a few
    days ago. Its waiting-list entry the way the requests' service keeps it: registered when the request
    goes "en étude", taken off the list at a refusal; an entry the person already had is linked."""
    path = PATHS[status]
    sent_on = today - datetime.timedelta(days=STEP_DAYS * (len(path) - 1) + 5)
    dates = [sent_on + datetime.timedelta(days=STEP_DAYS * k) for k in range(len(path))]
    refused = status == RequestStatus.IMPOSSIBLE
    request = AdmissionRequest.objects.create(
        person_id=person_id,
        mdph_decision=decision,
        establishment_id=establishment_id,
        mode=mode,
        status=status,
        reason=REFUSAL[0] if refused else "",
        status_date=dates[-1],
        sent_on=sent_on,
        sent_by_id=sent_by,
        sent_from_id=sent_from,
    )
    AdmissionRequestEvent.objects.bulk_create(
        AdmissionRequestEvent(
            request=request,
            status=step,
            reason=REFUSAL[0] if step == RequestStatus.IMPOSSIBLE else "",
            comment=REFUSAL[1] if step == RequestStatus.IMPOSSIBLE else "",
            date=day,
            recorded_by_id=sent_by if step == RequestStatus.SENT else recorded_by,
            recorded_at=_at(day, 10),
        )
        for step, day in zip(path, dates, strict=True)
    )
    if entry is None and RequestStatus.UNDER_STUDY in path:
        entry = WaitingListEntry(
            person_id=person_id,
            establishment_id=establishment_id,
            mode=mode,
            registered_on=dates[path.index(RequestStatus.UNDER_STUDY)],
            mdph_decision=decision,
        )
    if entry is not None:
        entry.request = request
        if refused:
            entry.left_on, entry.outcome, entry.decision_note = (
                dates[-1],
                WaitingListOutcome.OTHER,
                REFUSAL[1],
            )
        entry.save()
    return request


def _received_requests(establishment, director_user_id, today, rng) -> list[AdmissionRequest]:
    """Requests from the MDPH to the establishment: for persons already waiting on its list, then for
    persons it does not support with a valid orientation towards its category (on that orientation)."""
    valid = _valid_orientations(today).filter(orientation_category=establishment.category)
    supported = set(
        Admission.objects.active(today)
        .filter(establishment=establishment)
        .values_list("person_id", flat=True)
    )
    candidates: list[tuple[int, WaitingListEntry | None]] = [
        (entry.person_id, entry)
        for entry in WaitingListEntry.objects.waiting(today)
        .filter(establishment=establishment, request__isnull=True)
        .order_by("registered_on", "pk")
    ]
    decisions: dict[int, MdphDecision] = {}
    for decision in valid:
        decisions.setdefault(decision.person_id, decision)
        if decision.person_id not in supported:
            candidates.append((decision.person_id, None))
    requests, seen = [], set()
    for person_id, entry in candidates:
        if person_id in seen or person_id in supported:
            continue
        seen.add(person_id)
        status = RECEIVED_STEPS[len(requests)]
        request = _request(
            person_id, decisions.get(person_id), establishment.pk, status=status, today=today,
            sent_by=director_user_id, recorded_by=director_user_id, sent_from=None,
            mode=entry.mode if entry else _mode(establishment.pk, rng), entry=entry,
        )  # fmt: skip
        requests.append(request)
        if len(requests) == len(RECEIVED_STEPS):
            break
    return requests


def _sent_requests(establishment, educator_user_id, today, rng) -> list[AdmissionRequest]:
    """Requests the team sends for persons it supports who are oriented towards another category."""
    supported = Admission.objects.active(today).filter(establishment=establishment).values("person_id")
    targets: dict[int, list[int]] = {}
    for pk, category in (
        Establishment.objects.exclude(pk=establishment.pk).order_by("pk").values_list("pk", "category_id")
    ):
        targets.setdefault(category, []).append(pk)
    requests, seen = [], set()
    for decision in (
        _valid_orientations(today)
        .filter(person_id__in=supported)
        .exclude(orientation_category=establishment.category)
    ):
        if decision.person_id in seen or decision.orientation_category_id not in targets:
            continue
        seen.add(decision.person_id)
        status = SENT_STEPS[len(requests)]
        target = rng.choice(targets[decision.orientation_category_id])
        requests.append(
            _request(
                decision.person_id, decision, target, status=status, today=today,
                sent_by=educator_user_id, recorded_by=educator_user_id, sent_from=establishment.pk,
                mode=_mode(target, rng),
            )
        )  # fmt: skip
        if len(requests) == MAX_SENT:
            break
    return requests


def _consent(person, establishment_id, categories, recorded_by_id, today) -> Consent:
    return Consent.objects.create(
        person=person,
        establishment_id=establishment_id,
        categories=list(categories),
        decision=ConsentDecision.GRANTED,
        given_by=ConsentGivenBy.PERSON,
        how=ConsentHow.SIGNED_PAPER,
        recorded_by_id=recorded_by_id,
        valid_from=today - datetime.timedelta(days=7),
    )


def _partner(establishment, person, today):
    """A professional of another structure (a SAVS when there is one) who does not support the
    person: (membership) or None."""
    supporting = Admission.objects.active(today).filter(person=person).values("establishment_id")
    memberships = (
        Membership.objects.active(today)
        .filter(role=Role.PROFESSIONAL, establishment__isnull=False, professional__user__isnull=True)
        .exclude(establishment=establishment)
        .exclude(establishment_id__in=supporting)
        .select_related("professional", "establishment__category")
        .order_by("pk")
    )
    by_category: dict[str, Membership] = {}
    for membership in memberships:
        by_category.setdefault(membership.establishment.category.code, membership)
    for code in PARTNER_CATEGORIES:
        if code in by_category:
            return by_category[code]
    return next(iter(by_category.values()), None)


def create_demo_coordination(
    establishment_id: int,
    *,
    educator_user_id: int,
    director_user_id: int,
    family_username: str,
    password: str,
    rng: random.Random,
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Write the demonstration's coordination around the establishment of the team's logins; returns
    the counts written and the login it adds (the partner professional), with what it shows."""
    today = timezone.localdate()
    now = timezone.now()
    establishment = Establishment.objects.select_related("category").get(pk=establishment_id)
    received = _received_requests(establishment, director_user_id, today, rng)
    sent = _sent_requests(establishment, educator_user_id, today, rng)
    counts = {"demandes d'admission": len(received) + len(sent)}
    logins: list[tuple[str, str]] = []

    account = (
        PortalAccount.objects.filter(user__username=family_username)
        .select_related("person", "relative")
        .first()
    )
    partner = None
    if account is not None:
        person = account.person
        partner = _partner(establishment, person, today)
        members = [
            CircleMember.objects.create(
                person=person,
                user_id=educator_user_id,
                establishment=establishment,
                role=CircleRole.REFERENT,
                role_detail="Éducatrice référente",
                added_by_id=educator_user_id,
                joined_at=now - datetime.timedelta(days=30),
            )
        ]
        if partner is not None:
            professional = partner.professional
            user = User.objects.create(
                username=LOGIN_PARTNER,
                first_name=professional.first_name,
                last_name=professional.last_name,
                email=f"{LOGIN_PARTNER}@example.org",
                password=make_password(password),
            )
            professional.user = user
            professional.save(update_fields=["user"])
            _consent(person, partner.establishment_id, [Category.IDENTITY], educator_user_id, today)
            members.append(
                CircleMember.objects.create(
                    person=person,
                    user=user,
                    establishment_id=partner.establishment_id,
                    role=CircleRole.COORDINATOR,
                    role_detail="Conseillère en insertion sociale",
                    added_by_id=educator_user_id,
                    joined_at=now - datetime.timedelta(days=20),
                )
            )
            logins.append(
                (
                    LOGIN_PARTNER,
                    f"professionnelle d'une autre structure, membre du cercle de {person.display_name}",
                )
            )
        if account.relative_id:
            members.append(
                CircleMember.objects.create(
                    person=person,
                    user=account.user,
                    relative=account.relative,
                    role=CircleRole.REPRESENTATIVE if account.protection_id else CircleRole.CARER,
                    added_by_id=educator_user_id,
                    joined_at=now - datetime.timedelta(days=30),
                )
            )
        for (title, days, status), owner in zip(TASKS, [members[-1], members[0], members[0]], strict=True):
            CircleTask.objects.create(
                person=person, title=title, owner=owner, due_on=today + datetime.timedelta(days=days),
                status=status, created_by_id=educator_user_id,
                done_at=now - datetime.timedelta(days=6) if status == TaskStatus.DONE else None,
            )  # fmt: skip
        for days, hour, title, place, with_whom in EVENTS:
            starts = _at(today + datetime.timedelta(days=days), hour)
            CircleEvent.objects.create(
                person=person, title=title, starts_at=starts, ends_at=starts + datetime.timedelta(hours=1),
                place=place, with_whom=with_whom, created_by_id=educator_user_id,
            )  # fmt: skip
        pros = [m for m in members if m.relative_id is None]
        for audience, (subject, bodies) in (
            (ThreadAudience.TEAM, TEAM_THREAD),
            (ThreadAudience.FAMILY, FAMILY_THREAD),
        ):
            started = now - datetime.timedelta(days=2)
            thread = CircleThread.objects.create(
                person=person, audience=audience, subject=subject, started_by_id=educator_user_id,
                started_at=started, last_message_at=started + datetime.timedelta(hours=len(bodies)),
            )  # fmt: skip
            for k, body in enumerate(bodies):
                CircleMessage.objects.create(
                    thread=thread,
                    author=pros[k % len(pros)].user,
                    body=body,
                    sent_at=started + datetime.timedelta(hours=k + 1),
                )
        counts["membres du cercle"] = len(members)

    # One liaison file sent: to the establishment that accepted a request, or to the circle's partner.
    accepted = next((r for r in sent if r.status == RequestStatus.ADMISSIBLE), None)
    if accepted is not None:
        liaison_person = Person.objects.get(pk=accepted.person_id)
        to_establishment_id = accepted.establishment_id
    elif partner is not None:
        liaison_person, to_establishment_id = account.person, partner.establishment_id
    else:
        liaison_person = None
    if liaison_person is not None:
        parts = [LiaisonPart.IDENTITY, LiaisonPart.NEEDS, LiaisonPart.PROJET]
        consent = _consent(
            liaison_person,
            to_establishment_id,
            [Category.IDENTITY, Category.ASSESSMENTS, Category.PROJET],
            educator_user_id,
            today,
        )
        LiaisonFile.objects.create(
            person=liaison_person,
            from_establishment=establishment,
            to_establishment_id=to_establishment_id,
            request=accepted,
            parts=[str(part) for part in parts],
            content=json.dumps(
                {
                    "version": liaison.CONTENT_VERSION,
                    "sent_at": (now - datetime.timedelta(days=1)).isoformat(),
                    "parts": liaison.build_content(liaison_person, parts, []),
                },
                ensure_ascii=False,
            ),
            consent=consent,
            status=LiaisonStatus.SENT,
            prepared_by_id=educator_user_id,
            prepared_at=now - datetime.timedelta(days=2),
            sent_at=now - datetime.timedelta(days=1),
        )
        counts["dossiers de liaison"] = 1
    return counts, logins
