"""The world the authorisation matrix and the fuzz pass run in, built once per test module.

Gestionnaire G runs establishments A and B; gestionnaire H runs C. Person P is supported by A (a
current admission) and has one object of every kind the record's pages open: an assessment, a
projet personnalisé in draft with a goal and a planned service, a service delivered, a note, a
document, a relative, a legal protection, deficiencies, an MDPH decision, and a consent to C (the
one the withdrawal page withdraws). The objects are written through the real services, as the team
of A would write them. Around P, written through the real services too: an emergency access that
B's professional opened to P two days ago (expired, read by the review pages), an export of P's
record asked for and built for A's professional, a retention dry run of the DPO, and an identity of
A's professional at an outside provider (for its admin pages).

Users: the professional and the director of A, the direction of G, the professional and the
director of B, the data protection officer (group "DPO", no membership) and a superuser (no
membership). Each gets one logged-in session (password and second factor) for the whole module;
every cell of the matrix opens a fresh client on that session, so cookies never leak between cells.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import ClientHandler
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from parcours.access import services as access_services
from parcours.access.enums import Category, PortalRight, PortalRole
from parcours.access.journal import Actor
from parcours.accounts.models import ExternalIdentity
from parcours.finance import services as finance_services
from parcours.finance.columns import SLUGS
from parcours.organisations.models import Authority, AuthorityKind
from parcours.people import services as people_services
from parcours.portal.models import PortalAccount
from parcours.privacy import services as privacy_services
from parcours.records import services as records_services
from parcours.records.enums import NoteCategory
from parcours.records.services import GoalInput, NeedInput, PlannedServiceInput
from parcours.retention import services as retention_services
from parcours.retention.models import RetentionRun
from parcours.staff.enums import Role
from tests.accounts.otp import verified_client
from tests.factories import (
    AbsenceFactory,
    AdmissionFactory,
    ContractFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    PersonFactory,
    RelativeFactory,
    UnitFactory,
    UserFactory,
    concept,
    make_professional,
)
from tests.finance.factories import CSV_FIGURES, FinancialStatementFactory

PDF = b"%PDF-1.4 compte rendu"
EMERGENCY = "Chute dans la nuit, le SAMU demande ses traitements en cours."


def day(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@dataclass
class World:
    g: object
    h: object
    a: object
    b: object
    c: object
    unit_a: object
    person: object
    admission: object
    assessment: object
    projet: object
    service: object
    note: object
    document: object
    relative: object
    protection: object
    mdph: object
    consent_c: object
    task_result: object
    break_glass: object
    export: object
    retention_run: object
    statement: object = None
    finance_import: object = None
    absence: object = None
    authority: object = None
    api_client: object = None
    users: dict = field(default_factory=dict)
    professionals: dict = field(default_factory=dict)
    # Q: another person supported in A, whose relative follows Q's space (never P's).
    other_person: object = None
    sessions: dict = field(default_factory=dict)
    handler: ClientHandler = field(default_factory=lambda: ClientHandler(enforce_csrf_checks=False))

    def actor(self, role: str) -> Actor:
        """The role's user, read again: the access policy keeps its decisions on the user object for
        the length of a request, and a cell must not inherit another cell's."""
        user = self.users[role]
        return Actor(user=type(user).objects.get(pk=user.pk), ip_address="127.0.0.1")

    def client(self, role: str) -> Client:
        """A fresh test client on the role's session (anonymous: no session). Server errors are
        raised, never turned into a 500 page that a test could mistake for an answer."""
        client = Client(raise_request_exception=True)
        # One handler for every cell: loading the middleware (WhiteNoise lists every static file)
        # costs more than most requests.
        client.handler = self.handler
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def build_world() -> World:
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, name="IME Les Tilleuls")
    b = EstablishmentFactory(gestionnaire=g, name="ESAT du Rhône")
    c = EstablishmentFactory(gestionnaire=h, name="Foyer des Monts")
    professionals = {
        "pro_a": make_professional(a),
        "dir_a": make_professional(a, role=Role.ESTABLISHMENT_DIRECTOR),
        "gdir": make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=g),
        "pro_b": make_professional(b),
        "dir_b": make_professional(b, role=Role.ESTABLISHMENT_DIRECTOR),
    }
    users = {role: professional.user for role, professional in professionals.items()}
    dpo = UserFactory(first_name="Dominique", last_name="Protection")
    group, _ = Group.objects.get_or_create(name="DPO")
    group.permissions.add(Permission.objects.get(content_type__app_label="access", codename="view_audit"))
    dpo.groups.add(group)
    users["dpo"] = dpo
    users["superuser"] = UserFactory(is_staff=True, is_superuser=True)

    person = PersonFactory(birth_name="Lefèvre", first_names="Élodie", birth_date=datetime.date(1998, 3, 12))
    # Supported by A today, with an exit planned in two months: a new admission after it is valid,
    # so the admission form has something the team may write.
    admission = AdmissionFactory(
        person=person, establishment=a, start_date=day(-400), end_date=day(60), exit_reason="89"
    )
    team = Actor(user=users["pro_a"], ip_address="127.0.0.1")
    assessment = records_services.create_needs_assessment(
        person,
        establishment=a,
        date=day(-10),
        comment="Bilan d'entrée",
        actor=team,
        needs=[NeedInput(concept("serafin-ph-besoins", "1.2.1.1"), 3)],
    )
    projet = records_services.create_projet(
        person,
        establishment=a,
        date=day(-5),
        review_date=day(300),
        person_words="Vivre seule.",
        actor=team,
        goals=[GoalInput("Vivre en appartement", needs=[concept("serafin-ph-besoins", "1.3.2.1")])],
        planned_services=[
            PlannedServiceInput(concept("serafin-ph-prestations", "2.3.2.1"), 2, "week", goal_index=0)
        ],
    )
    service = records_services.log_service(
        person,
        establishment=a,
        concept=concept("serafin-ph-prestations", "2.3.3.4"),
        date=day(-2),
        duration_minutes=60,
        actor=team,
    )
    note = records_services.write_note(
        person, establishment=a, category=NoteCategory.DAILY_LIFE, text="Bonne journée.", actor=team
    )
    document = records_services.attach_document(
        person, file=SimpleUploadedFile("bilan.pdf", PDF), title="Bilan", actor=team
    )
    relative = people_services.add_relative(
        person, actor=team, last_name="Lefèvre", first_name="Paul", relationship="parent"
    )
    protection = people_services.add_legal_protection(
        person,
        measure="curatelle_renforcee",
        start_date=day(-100),
        actor=team,
        representative_relative=relative,
    )
    people_services.set_deficiencies(
        person, main=concept("deficiences", "02"), associated=[concept("deficiences", "03")], actor=team
    )
    mdph = people_services.add_mdph_decision(
        person, decision_type="rqth", decision_date=day(-50), start_date=day(-40), actor=team
    )
    consent_c = access_services.record_consent(
        person, actor=team, establishment=c, categories=[Category.IDENTITY]
    )
    # B's professional opened an emergency access to P two days ago: over now, waiting for review.
    with freeze_time(timezone.now() - datetime.timedelta(days=2)):
        break_glass = access_services.open_break_glass(
            person, actor=Actor(user=users["pro_b"], ip_address="127.0.0.1"), reason=EMERGENCY
        )
    export = privacy_services.request_export(person, actor=team)
    export = privacy_services.build_export(export.uuid)
    retention_run = RetentionRun.objects.get(uuid=retention_services.plan_retention(requested_by=dpo).uuid)
    world = World(
        g=g,
        h=h,
        a=a,
        b=b,
        c=c,
        unit_a=UnitFactory(establishment=a, name="Unité des Cèdres"),
        person=person,
        admission=admission,
        assessment=assessment,
        projet=projet,
        service=service,
        note=note,
        document=document,
        relative=relative,
        protection=protection,
        mdph=mdph,
        consent_c=consent_c,
        task_result=DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="parcours.inexistant.tache",
            backend_name="default",
            run_after=timezone.now(),
        ),
        break_glass=break_glass,
        export=export,
        retention_run=retention_run,
        users=users,
        professionals=professionals,
    )
    world.other_person = add_portal_users(world)
    for role, user in users.items():
        client = verified_client(user)
        world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        # Recovery codes, so that the page that replaces them has something to replace.
        StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
    # Linked by an administrator, as the admin does when the provider gives no verified address;
    # after the logins, which it takes no part in.
    ExternalIdentity.objects.create(
        user=users["pro_a"],
        name="Annuaire du gestionnaire",
        issuer="https://annuaire.example",
        subject="pro-a",
    )
    # A's yearly statement, and a file of statements checked for A's director, not yet confirmed.
    world.statement = FinancialStatementFactory(establishment=a, year=timezone.localdate().year - 1)
    header = ";".join(SLUGS)
    values = {"finess": a.finess, "exercice": str(timezone.localdate().year - 2), **CSV_FIGURES}
    content = f"{header}\n{';'.join(values[slug] for slug in SLUGS)}\n".encode()
    world.finance_import = finance_services.create_import("etats.csv", content, actor=users["dir_a"])
    assert world.finance_import.status == "ready", world.finance_import.errors
    contract = ContractFactory(professional=professionals["pro_a"], employer=a)
    world.absence = AbsenceFactory(contract=contract, start_date=day(-10), end_date=day(-8))
    world.authority = Authority.objects.create(
        kind=AuthorityKind.ARS, name="ARS de la région", region_code="84"
    )
    # A system calling the FHIR API for A's director (its admin pages only; the API itself answers to
    # tokens, tested in tests/fhir/).
    from parcours.fhir.clients import register_client

    world.api_client, _, _ = register_client(user=users["dir_a"], name="Logiciel partenaire",
                                             scopes=["system/Patient.read"])  # fmt: skip
    return world


def add_portal_users(world: World):
    """The logins of the person's space (tests/security/test_portal_columns.py): P herself; Paul, her
    relative and curator (curatelle renforcée: an assistance measure); Anne, her sister, who may only
    follow the day; and the mother of Q, another person supported in A, with every right to Q's space."""
    person, users = world.person, world.users
    sister = people_services.add_relative(
        person, actor=world.actor("pro_a"), last_name="Lefèvre", first_name="Anne", relationship="sibling"
    )
    other = PersonFactory(birth_name="Garnier", first_names="Hugo", birth_date=datetime.date(2001, 6, 2))
    AdmissionFactory(person=other, establishment=world.a, start_date=day(-200))
    other_mother = RelativeFactory(person=other, last_name="Garnier", first_name="Marie")
    links = {
        "p_self": dict(person=person, role=PortalRole.PERSON),
        "p_curator": dict(
            person=person,
            role=PortalRole.REPRESENTATIVE,
            relative=world.relative,
            protection=world.protection,
        ),
        "p_sister_day": dict(person=person, role=PortalRole.RELATIVE, relative=sister, rights=["day"]),
        "q_mother": dict(
            person=other, role=PortalRole.RELATIVE, relative=other_mother, rights=list(PortalRight.values)
        ),
    }
    for role, link in links.items():
        user = UserFactory(username=f"portail-{role}")
        PortalAccount.objects.create(user=user, rights_changed_by=user, **link)
        users[role] = user
    return other


# Scenarios: what the person decided about sharing with B before the request, or the emergency access
# B's professional opened. The team of A records (and withdraws) the consent, and the professional
# opens the access, through the real services, as they would from the pages. The matrix sets a
# column's scenario up once for all its cells; the fuzz pass, once per form.


def no_sharing(world: World) -> None:
    """Nothing shared with B (also the state every A-side, DPO, superuser and anonymous cell runs in)."""


def consent_to_b(world: World):
    return access_services.record_consent(
        world.person,
        actor=world.actor("pro_a"),
        establishment=world.b,
        categories=[Category.IDENTITY, Category.PARCOURS],
    )


def consent_to_b_withdrawn(world: World) -> None:
    access_services.withdraw_consent(consent_to_b(world), actor=world.actor("pro_a"), reason="Retrait")


def break_glass_by_pro_b(world: World):
    """Nothing shared with B; B's professional opens an emergency access to P, as from the page
    "Accès d'urgence"."""
    return access_services.open_break_glass(world.person, actor=world.actor("pro_b"), reason=EMERGENCY)


SCENARIOS = {
    "none": no_sharing,
    "own": no_sharing,
    "other": no_sharing,
    "consent": consent_to_b,
    "withdrawn": consent_to_b_withdrawn,
    "break_glass": break_glass_by_pro_b,
}
