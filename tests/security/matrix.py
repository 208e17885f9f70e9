"""The authorisation matrix: every URL of Parcours, every role, every sharing scenario, and the answer
expected, written by hand from the access rules (docs/access.md), never computed from
`parcours.access`.

Columns are (role, scenario) pairs, in the order of `COLUMNS`:
- anonymous; the professional, the director of A and the direction of G ("own": P is supported in A);
- the professional and the director of B, in three scenarios: "other" (P shares nothing with B),
  "consent" (P's active consent to B covering identity and parcours, not the rest), "withdrawn"
  (the same consent, withdrawn);
- the data protection officer and a superuser, who belong to no establishment;
- B's professional in the scenario "break_glass": nothing shared with B, and an emergency access to
  P opened by the professional (`access.services.open_break_glass`) before the column's cells. It
  reads every category of P's record, writes nothing (403: the record is open to them) and exports
  nothing.
A scenario is a setup function in `tests.security.world.SCENARIOS`; a new column is one more entry in
`COLUMNS` and one more value at the end of every row.

What a cell means:
- `OK`: allowed. A page answers 200; a form posted with the row's valid data answers the row's
  success (a redirect to the page that follows, or 200 when the row says so) and changes what the
  row's probe reads.
- `N404`: refused, the record's existence hidden; `F403`: refused to a user who may read but not
  write (or a page reserved to a permission); `LOGIN`: anonymous, sent to the login page;
  `ADMIN_LOGIN`: signed in without staff status, sent to the admin's login page; `HAS_ACCESS`: an
  emergency access asked by someone who may already read the record, sent to the record's page
  with nothing opened; `INVALID`: the form comes back (200) with an error because the user may not
  write in the name of the establishment posted; `SEARCH`: no establishment to open a record for,
  sent back to the search page.
  A refused POST writes nothing (the test compares the data before and after).
- A row's `setup` adds what only that row needs (a restriction to lift), after the column's scenario.
- A few cells name another exact answer (`HOME`, `ADMIN_INDEX`, `M405`, `TO_ADMIN_INDEX`): they are not about
  the person's data and say what Django or the account pages answer there.

Adding a URL: add one `Row` (or one per method) to `ROWS` below. Adding a column: see above.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from parcours.access import services as access_services
from parcours.access.models import BreakGlass, Consent, Restriction
from parcours.accounts.models import ExternalIdentity
from parcours.finance.models import FinancialStatement
from parcours.nomenclature.models import CodeSystem, Concept
from parcours.people.models import LegalProtection, MdphDecision, Person, Relative
from parcours.privacy.models import ExportRequest
from parcours.records.models import Admission, NeedsAssessment, Note, ProjetPersonnalise, ServiceDelivery
from parcours.reporting.registry import Scope
from parcours.retention.models import RetentionRuleChange, RetentionRun
from tests.factories import PASSWORD
from tests.people.test_create import identity


@dataclass(frozen=True)
class Column:
    role: str
    scenario: str

    def __str__(self) -> str:
        return f"{self.role}/{self.scenario}"


COLUMNS = (
    Column("anonymous", "none"),
    Column("pro_a", "own"),
    Column("dir_a", "own"),
    Column("gdir", "own"),
    Column("pro_b", "other"),
    Column("pro_b", "consent"),
    Column("pro_b", "withdrawn"),
    Column("dir_b", "other"),
    Column("dir_b", "consent"),
    Column("dir_b", "withdrawn"),
    Column("dpo", "none"),
    Column("superuser", "none"),
    Column("pro_b", "break_glass"),
)


@dataclass(frozen=True)
class Outcome:
    label: str
    allowed: bool
    status: int
    # Where a redirect goes: "login", "admin_login", "success" (the row's), or a URL name.
    location: str | None = None

    def __repr__(self) -> str:
        return self.label


OK = Outcome("OK", True, 200)
HOME = Outcome("HOME", True, 302, "core:home")
ADMIN_INDEX = Outcome("ADMIN_INDEX", True, 302, "admin:index")
N404 = Outcome("N404", False, 404)
F403 = Outcome("F403", False, 403)
M405 = Outcome("M405", False, 405)
LOGIN = Outcome("LOGIN", False, 302, "login")
ADMIN_LOGIN = Outcome("ADMIN_LOGIN", False, 302, "admin_login")
INVALID = Outcome("INVALID", False, 200)
SEARCH = Outcome("SEARCH", False, 302, "people:search")
TO_ADMIN_INDEX = Outcome("TO_ADMIN_INDEX", False, 302, "admin:index")
HAS_ACCESS = Outcome("HAS_ACCESS", False, 302, "success")

# Hand-written patterns, in the order of COLUMNS: anonymous, pro_a, dir_a, gdir,
# pro_b (other, consent, withdrawn), dir_b (other, consent, withdrawn), dpo, superuser,
# pro_b (break_glass).
EVERY_USER = (LOGIN, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK)
# Reading P's identity (and what follows it): A's team and directions, B while the consent is active,
# B's professional through the emergency access.
READ_P = (LOGIN, OK, OK, OK, N404, OK, N404, N404, OK, N404, N404, N404, OK)
# Reading a category of P that the consent to B does not cover (assessments, projet): the record is
# open to B, the category refused (403, logged). The emergency access reads every category.
READ_P_NOT_CONSENTED = (LOGIN, OK, OK, OK, N404, F403, N404, N404, F403, N404, N404, N404, OK)
# Writing P's record: A's team and director; the gestionnaire's direction, B with the consent and B
# through the emergency access read it but may not write (403); everyone else 404.
WRITE_P = (LOGIN, OK, OK, F403, N404, F403, N404, N404, F403, N404, N404, N404, F403)
# Documents: hidden from the gestionnaire's direction and not consented to B: 404; read through the
# emergency access.
DOCUMENTS_P = (LOGIN, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, OK)
# Exporting P's whole record (right of access): A's team and director only; those who read it by the
# gestionnaire's direction, the consent or the emergency access get a 403.
EXPORT_P = (LOGIN, OK, OK, F403, N404, F403, N404, N404, F403, N404, N404, N404, F403)
# Restricting processing of P's record: the direction of A only; the others who read P get a 403.
RESTRICT_P = (LOGIN, F403, OK, F403, N404, F403, N404, N404, F403, N404, N404, N404, F403)
# Lifting the restriction (one is active): no consent opens a restricted record, so B with the
# consent no longer sees it; the emergency access still reads it.
LIFT_RESTRICTION_P = (LOGIN, F403, OK, F403, N404, N404, N404, N404, N404, N404, N404, N404, F403)
# A's page and the log of A's professional: A's team (the professional: their own log), A's
# directions; the DPO and the superuser (permission access.view_audit) for the log only. An
# emergency access opens a record, not the establishment nor its team's logs.
ESTABLISHMENT_A = (LOGIN, OK, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404)
LOG_OF_PRO_A = (LOGIN, OK, OK, OK, N404, N404, N404, N404, N404, N404, OK, OK, N404)
AUDIT = (LOGIN, F403, F403, F403, F403, F403, F403, F403, F403, F403, OK, OK, F403)
# Opening a new record: whoever works in an establishment's team or direction.
CREATE_PAGE = (LOGIN, OK, OK, SEARCH, OK, OK, OK, OK, OK, OK, SEARCH, SEARCH, OK)
# Posting a new record in A's name: B's team and director may open records only for B.
CREATE_IN_A = (
    LOGIN, OK, OK, SEARCH, INVALID, INVALID, INVALID, INVALID, INVALID, INVALID, SEARCH, SEARCH, INVALID
)  # fmt: skip
# The emergency access page: team members and directors; not the gestionnaire's direction, the DPO
# or the superuser (no team, no establishment to direct).
BREAK_GLASS_PAGE = (LOGIN, OK, OK, F403, OK, OK, OK, OK, OK, OK, F403, F403, OK)
# Opening one to P: those who already read P (A's team and director, B with the consent) are sent to
# P's page and nothing is opened. B's professional with an access running opens a new one (renewed
# with a new reason, reviewed like the first).
BREAK_GLASS_OPEN_P = (
    LOGIN, HAS_ACCESS, HAS_ACCESS, F403, OK, HAS_ACCESS, OK, OK, HAS_ACCESS, OK, F403, F403, OK
)  # fmt: skip
# The world's emergency access (opened by B's professional, over): its opener; the directors of the
# opener's establishment (B) and of P's (A); the DPO and the superuser (access.view_audit). Only the
# directors and the DPO review it: the opener gets a 403.
BREAK_GLASS_SEEN = (LOGIN, N404, OK, N404, OK, OK, OK, OK, OK, OK, OK, OK, OK)
BREAK_GLASS_REVIEW = (LOGIN, N404, OK, N404, F403, F403, F403, OK, OK, OK, OK, OK, F403)
# An export of P asked for by A's professional: its state and its archive are for them only.
OWN_EXPORT = (LOGIN, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)
# Retention pages: the DPO (and the superuser, who holds access.view_audit); 404 to anyone else.
DPO_ONLY = (LOGIN, N404, N404, N404, N404, N404, N404, N404, N404, N404, OK, OK, N404)
# The registre des traitements: the DPO, the establishments' and the gestionnaires' directions.
REGISTRE = (LOGIN, N404, OK, OK, N404, N404, N404, OK, OK, OK, OK, OK, N404)
# OpenID Connect is off in the tests' settings: its pages do not exist, for anyone.
NOT_CONFIGURED = (N404, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)
# Finance pages: the directions of establishments and gestionnaires (each for what they direct); a 403
# to anyone else signed in, finance being no secret of a person.
FINANCE_PAGE = (LOGIN, F403, OK, OK, F403, F403, F403, OK, OK, OK, F403, F403, F403)
# A's yearly statement: A's direction and G's; B's director directs another establishment: 404.
FINANCE_A = (LOGIN, F403, OK, OK, F403, F403, F403, N404, N404, N404, F403, F403, F403)
# The import checked for A's director: its author only.
FINANCE_IMPORT_OF_DIR_A = (LOGIN, F403, OK, N404, F403, F403, F403, N404, N404, N404, F403, F403, F403)
# Dashboards: the directions (establishment, gestionnaire) and the authorities; a 403 page to anyone
# else signed in (the DPO and the superuser hold no direction).
DASHBOARDS = (LOGIN, F403, OK, OK, F403, F403, F403, OK, OK, OK, F403, F403, F403)
# A's dashboard and reports: A's direction and G's; 404 to anyone else, B's director included.
DASHBOARD_A = (LOGIN, N404, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404)
# G's dashboard: G's direction in full, the directors of its establishments masked.
DASHBOARD_G = (LOGIN, N404, OK, OK, N404, N404, N404, OK, OK, OK, N404, N404, N404)
PUBLIC = (OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK)
SIGNED_IN_HOME = (OK, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME)
ALREADY_VERIFIED = (LOGIN, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME)
POST_ONLY = (LOGIN, M405, M405, M405, M405, M405, M405, M405, M405, M405, M405, M405, M405)
# Django's admin: superusers only (reference data, accounts, tasks); never a person's data. Its
# site-wide pages send anonymous visitors to the admin's login page; the pages of each model go
# through the site's login requirement first (the accounts login page).
AL = ADMIN_LOGIN
ADMIN_ONLY = (AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, OK, AL)
ADMIN_REFUSED = (AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, F403, AL)
ADMIN_MODEL = (LOGIN, AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, OK, AL)
ADMIN_MODEL_REFUSED = (LOGIN, AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, F403, AL)
# A group has no page on the site: 404 once past the staff check.
ADMIN_MISSING = (AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, AL, N404, AL)
ADMIN_LOGIN_PAGE = (OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, ADMIN_INDEX, OK)
# Logging out of the admin: POST only; a signed-in user without staff status is sent to its index.
TAI = TO_ADMIN_INDEX
ADMIN_LOGOUT = (AL, TAI, TAI, TAI, TAI, TAI, TAI, TAI, TAI, TAI, TAI, M405, TAI)


def day(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def last_year() -> int:
    return timezone.localdate().year - 1


def person_url(name: str):
    return lambda w: reverse(name, args=[w.person.uuid])


def detail(w) -> str:
    return reverse("people:detail", args=[w.person.uuid])


def sharing(w) -> str:
    return detail(w) + "#partage"


def projet_page(w) -> str:
    return reverse("records:projet_detail", args=[w.person.uuid, w.projet.uuid])


def formset(prefix: str, *rows: dict, initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


@dataclass
class Row:
    name: str
    method: str
    cells: tuple
    kwargs: Callable = lambda w: {}
    data: Callable | None = None
    # POST: the page a successful write leads to (None: the answer itself, 200).
    success: Callable | None = None
    # POST: what a successful write changes (compared before and after).
    probe: Callable | None = None
    headers: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    # What the row needs in the world beyond its scenario, written just before the request.
    setup: Callable | None = None

    def __post_init__(self):
        assert len(self.cells) == len(COLUMNS), (
            f"{self.name}: {len(self.cells)} cells for {len(COLUMNS)} columns"
        )

    @property
    def id(self) -> str:
        return f"{self.name} {self.method}"

    def expected(self, column: Column) -> Outcome:
        return self.cells[COLUMNS.index(column)]


def person(w) -> dict:
    return {"uuid": w.person.uuid}


def record(w, **more) -> dict:
    return {"person_uuid": w.person.uuid, **more}


def restrict_p(w) -> None:
    """A's director restricts processing of P's record (contested accuracy)."""
    access_services.restrict_processing(w.person, actor=w.actor("dir_a"), ground="accuracy")


def restriction(w) -> dict:
    return {"uuid": w.person.uuid, "restriction_uuid": Restriction.objects.get(person=w.person).uuid}


HX = {"HX-Request": "true"}

ROWS = [
    # Home, style guide, accounts
    Row("core:home", "GET", EVERY_USER),
    Row("core:styleguide", "GET", PUBLIC),
    Row("accounts:login", "GET", SIGNED_IN_HOME),
    Row(
        "accounts:login",
        "POST",
        SIGNED_IN_HOME,
        data=lambda w: {"username": w.users["pro_a"].username, "password": PASSWORD},
        success=lambda w: reverse("accounts:two_factor_verify") + "?next=%2F",
    ),
    Row("accounts:logout", "GET", POST_ONLY),
    Row(
        "accounts:logout",
        "POST",
        (LOGIN, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK),
        data=lambda w: {},
        success=lambda w: reverse("accounts:login"),
        probe=lambda w: Session.objects.count(),
    ),
    Row("accounts:two_factor_verify", "GET", ALREADY_VERIFIED),
    Row("accounts:two_factor_enrol", "GET", EVERY_USER),
    Row("accounts:security", "GET", EVERY_USER),
    Row("accounts:recovery_codes", "GET", POST_ONLY),
    Row(
        "accounts:recovery_codes",
        "POST",
        EVERY_USER,
        data=lambda w: {},
        probe=lambda w: sorted(StaticToken.objects.values_list("token", flat=True)),
    ),
    Row("accounts:password_change", "GET", EVERY_USER),
    Row(
        "accounts:password_change",
        "POST",
        EVERY_USER,
        data=lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Un-autre-mot-de-passe-2026!",
            "new_password2": "Un-autre-mot-de-passe-2026!",
        },
        success=lambda w: reverse("accounts:security"),
        probe=lambda w: sorted(type(w.users["pro_a"]).objects.values_list("password", flat=True)),
    ),
    # Persons
    Row("people:search", "GET", EVERY_USER, query={"q": "Lefèvre"}),
    Row("people:create", "GET", CREATE_PAGE),
    Row(
        "people:create",
        "POST",
        CREATE_IN_A,
        data=lambda w: (
            identity(w, birth_name="Bernard", first_names="Chloé", birth_date="2004-09-15")
            | {"establishment": w.a.pk}
        ),
        success=lambda w: reverse("people:detail", args=[Person.objects.latest("pk").uuid]),
        probe=lambda w: Person.objects.count(),
    ),
    Row("people:detail", "GET", READ_P, person),
    Row("people:edit", "GET", WRITE_P, person),
    Row(
        "people:edit",
        "POST",
        WRITE_P,
        person,
        data=lambda w: identity(
            w,
            birth_name="Lefèvre",
            first_names="Élodie",
            birth_date="1998-03-12",
            birth_place_code="75056",
            used_name="Durand",
            gir="",
            gir_date="",
        ),
        success=detail,
        probe=lambda w: Person.objects.get(pk=w.person.pk).used_name,
    ),
    # The record: identity-related parts
    Row("records:timeline", "GET", READ_P, record, headers=HX),
    Row("records:relative_create", "GET", WRITE_P, record),
    Row(
        "records:relative_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {"last_name": "Lefèvre", "first_name": "Anne", "relationship": "parent"},
        success=detail,
        probe=lambda w: Relative.objects.count(),
    ),
    Row("records:relative_edit", "GET", WRITE_P, lambda w: record(w, relative_uuid=w.relative.uuid)),
    Row(
        "records:relative_edit",
        "POST",
        WRITE_P,
        lambda w: record(w, relative_uuid=w.relative.uuid),
        data=lambda w: {
            "last_name": "Lefèvre",
            "first_name": "Paul",
            "relationship": "parent",
            "phone": "0600000000",
        },
        success=detail,
        probe=lambda w: Relative.objects.get(pk=w.relative.pk).phone,
    ),
    Row("records:protection_create", "GET", WRITE_P, record),
    Row(
        "records:protection_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {
            "measure": "curatelle_renforcee",
            "representative_kind": "family",
            "representative_relative": w.relative.pk,
            "start_date": day(-10),
        },
        success=detail,
        probe=lambda w: LegalProtection.objects.count(),
    ),
    Row("records:deficiencies_edit", "GET", WRITE_P, record),
    Row(
        "records:deficiencies_edit",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {"main": "02", "associated": ["03", "01"]},
        success=detail,
        probe=lambda w: sorted(w.person.deficiencies.values_list("concept__code", flat=True)),
    ),
    Row("records:mdph_create", "GET", WRITE_P, record),
    Row(
        "records:mdph_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {
            "decision_type": "orientation_esms",
            "orientation_category": "246",
            "decision_date": day(-50),
            "start_date": day(-40),
            "end_date": day(1000),
        },
        success=detail,
        probe=lambda w: MdphDecision.objects.count(),
    ),
    # Admissions
    Row("records:admission_create", "GET", WRITE_P, record),
    Row(
        "records:admission_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {
            "establishment": w.a.pk,
            "mode": "internat",
            "start_date": day(90),
            "unit": "",
            "comment": "",
        },
        success=detail,
        probe=lambda w: Admission.objects.count(),
    ),
    Row("records:admission_exit", "GET", WRITE_P, lambda w: record(w, admission_uuid=w.admission.uuid)),
    Row(
        "records:admission_exit",
        "POST",
        WRITE_P,
        lambda w: record(w, admission_uuid=w.admission.uuid),
        data=lambda w: {"end_date": day(30), "exit_reason": "158", "comment": ""},
        success=detail,
        probe=lambda w: Admission.objects.get(pk=w.admission.pk).end_date,
    ),
    Row("records:admission_edit", "GET", WRITE_P, lambda w: record(w, admission_uuid=w.admission.uuid)),
    Row(
        "records:admission_edit",
        "POST",
        WRITE_P,
        lambda w: record(w, admission_uuid=w.admission.uuid),
        data=lambda w: {
            "unit": w.unit_a.pk,
            "mode": "externat",
            "start_date": day(-400),
            "end_date": day(60),
            "exit_reason": "89",
            "comment": "Accueil",
        },
        success=detail,
        probe=lambda w: Admission.objects.get(pk=w.admission.pk).comment,
    ),
    # Needs assessments and projets personnalisés
    Row("records:assessment_create", "GET", WRITE_P, record),
    Row(
        "records:assessment_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: (
            {"establishment": w.a.pk, "date": day(-1), "comment": ""}
            | formset("besoins", {"concept": "1.3.3.2", "intensity": "2", "comment": ""})
        ),
        success=detail,
        probe=lambda w: NeedsAssessment.objects.count(),
    ),
    Row(
        "records:assessment_detail",
        "GET",
        READ_P_NOT_CONSENTED,
        lambda w: record(w, assessment_uuid=w.assessment.uuid),
    ),
    Row(
        "records:assessment_edit",
        "GET",
        WRITE_P,
        lambda w: record(w, assessment_uuid=w.assessment.uuid),
    ),
    Row(
        "records:assessment_edit",
        "POST",
        WRITE_P,
        lambda w: record(w, assessment_uuid=w.assessment.uuid),
        data=lambda w: (
            {"establishment": w.a.pk, "date": day(-1), "comment": "Corrigée"}
            | formset("besoins", {"concept": "1.2.1.1", "intensity": "1", "comment": ""})
        ),
        success=lambda w: reverse("records:assessment_detail", args=[w.person.uuid, w.assessment.uuid]),
        probe=lambda w: NeedsAssessment.objects.get(pk=w.assessment.pk).comment,
    ),
    Row("records:projet_create", "GET", WRITE_P, record),
    Row(
        "records:projet_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: (
            {
                "establishment": w.a.pk,
                "date": day(-1),
                "review_date": day(300),
                "person_words": "Travailler.",
            }
            | formset("objectifs", {"title": "Trouver un emploi", "description": "", "needs": ["1.3.3.2"]})
            | formset("prestations")
        ),
        success=lambda w: reverse(
            "records:projet_detail", args=[w.person.uuid, ProjetPersonnalise.objects.latest("pk").uuid]
        ),
        probe=lambda w: ProjetPersonnalise.objects.count(),
    ),
    Row("records:projet_detail", "GET", READ_P_NOT_CONSENTED, lambda w: record(w, projet_uuid=w.projet.uuid)),
    Row("records:projet_edit", "GET", WRITE_P, lambda w: record(w, projet_uuid=w.projet.uuid)),
    Row(
        "records:projet_edit",
        "POST",
        WRITE_P,
        lambda w: record(w, projet_uuid=w.projet.uuid),
        data=lambda w: (
            {
                "establishment": w.a.pk,
                "date": day(-1),
                "review_date": day(100),
                "person_words": "Corrigé.",
            }
            | formset("objectifs")
            | formset("prestations")
        ),
        success=projet_page,
        probe=lambda w: ProjetPersonnalise.objects.get(pk=w.projet.pk).person_words,
    ),
    Row("records:projet_status", "GET", POST_ONLY, lambda w: record(w, projet_uuid=w.projet.uuid)),
    Row(
        "records:projet_status",
        "POST",
        WRITE_P,
        lambda w: record(w, projet_uuid=w.projet.uuid),
        data=lambda w: {"status": "proposed"},
        success=projet_page,
        probe=lambda w: ProjetPersonnalise.objects.get(pk=w.projet.pk).status,
    ),
    # Services, notes, documents
    Row("records:service_create", "GET", WRITE_P, record),
    Row(
        "records:service_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {
            "establishment": w.a.pk,
            "concept": "2.3.3.4",
            "date": day(0),
            "duration_minutes": "90",
        },
        success=detail,
        probe=lambda w: ServiceDelivery.objects.count(),
    ),
    Row("records:service_edit", "GET", WRITE_P, lambda w: record(w, service_uuid=w.service.uuid)),
    Row(
        "records:service_edit",
        "POST",
        WRITE_P,
        lambda w: record(w, service_uuid=w.service.uuid),
        data=lambda w: {"concept": "2.3.1.1", "date": day(-1), "duration_minutes": "30"},
        success=detail,
        probe=lambda w: ServiceDelivery.objects.get(pk=w.service.pk).duration_minutes,
    ),
    Row("records:note_create", "GET", WRITE_P, record),
    Row(
        "records:note_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {"establishment": w.a.pk, "category": "daily_life", "text": "A bien dormi."},
        success=detail,
        probe=lambda w: Note.objects.count(),
    ),
    Row("records:document_create", "GET", WRITE_P, record),
    Row(
        "records:document_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {"title": "Compte rendu", "file": pdf_upload()},
        success=detail,
        probe=lambda w: w.person.documents.count(),
    ),
    Row(
        "records:document_download",
        "GET",
        DOCUMENTS_P,
        lambda w: record(w, document_uuid=w.document.uuid),
    ),
    # Establishments and nomenclatures
    Row("organisations:list", "GET", EVERY_USER),
    Row("organisations:detail", "GET", ESTABLISHMENT_A, lambda w: {"uuid": w.a.uuid}),
    Row("nomenclature:list", "GET", EVERY_USER),
    Row("nomenclature:detail", "GET", EVERY_USER, lambda w: {"slug": "deficiences"}, query={"q": "moteur"}),
    # Access log and consents
    Row("access:person_log", "GET", READ_P, person),
    Row("access:consent_create", "GET", WRITE_P, person),
    Row(
        "access:consent_create",
        "POST",
        WRITE_P,
        person,
        data=lambda w: {
            "establishment": w.c.pk,
            "categories": ["identity", "parcours"],
            "decision": "granted",
            "given_by": "person",
            "how": "signed_paper",
            "valid_from": day(0),
        },
        success=sharing,
        probe=lambda w: Consent.objects.count(),
    ),
    Row(
        "access:consent_withdraw",
        "GET",
        POST_ONLY,
        lambda w: {"uuid": w.person.uuid, "consent_uuid": w.consent_c.uuid},
    ),
    Row(
        "access:consent_withdraw",
        "POST",
        WRITE_P,
        lambda w: {"uuid": w.person.uuid, "consent_uuid": w.consent_c.uuid},
        data=lambda w: {"reason": "La personne ne le souhaite plus."},
        success=sharing,
        probe=lambda w: Consent.objects.get(pk=w.consent_c.pk).withdrawn_at is None,
    ),
    Row("access:user_log", "GET", LOG_OF_PRO_A, lambda w: {"uuid": w.users["pro_a"].uuid}),
    Row("access:dpo", "GET", AUDIT, query={"start": day(-7), "end": day(0)}),
    # Emergency access ("bris de glace")
    Row("access:break_glass_open", "GET", BREAK_GLASS_PAGE),
    Row(
        "access:break_glass_open",
        "POST",
        BREAK_GLASS_OPEN_P,
        data=lambda w: {
            "birth_name": "LEFEVRE",
            "first_name": "élodie",
            "birth_date": "1998-03-12",
            "nir": "",
            "reason": "Malaise au travail, le médecin demande ses traitements en cours.",
        },
        success=detail,
        probe=lambda w: BreakGlass.objects.count(),
    ),
    Row("access:break_glass_list", "GET", EVERY_USER),
    Row("access:break_glass_detail", "GET", BREAK_GLASS_SEEN, lambda w: {"uuid": w.break_glass.uuid}),
    Row(
        "access:break_glass_detail",
        "POST",
        BREAK_GLASS_REVIEW,
        lambda w: {"uuid": w.break_glass.uuid},
        data=lambda w: {"review_note": "Urgence confirmée par l'infirmière de garde."},
        success=lambda w: reverse("access:break_glass_detail", args=[w.break_glass.uuid]),
        probe=lambda w: BreakGlass.objects.get(pk=w.break_glass.pk).reviewed_at,
    ),
    # Restriction of processing
    Row("access:restriction_create", "GET", RESTRICT_P, person),
    Row(
        "access:restriction_create",
        "POST",
        RESTRICT_P,
        person,
        data=lambda w: {"ground": "accuracy", "note": "La personne conteste sa date de naissance."},
        success=sharing,
        probe=lambda w: Restriction.objects.count(),
    ),
    Row("access:restriction_lift", "GET", POST_ONLY, restriction, setup=restrict_p),
    Row(
        "access:restriction_lift",
        "POST",
        LIFT_RESTRICTION_P,
        restriction,
        data=lambda w: {},
        success=sharing,
        probe=lambda w: list(Restriction.objects.values_list("lifted_at", flat=True)),
        setup=restrict_p,
    ),
    # The person's rights: export and rectification history
    Row("privacy:exports", "GET", EXPORT_P, person),
    Row(
        "privacy:exports",
        "POST",
        EXPORT_P,
        person,
        data=lambda w: {"confirm": "on"},
        success=lambda w: reverse("privacy:exports", args=[w.person.uuid]),
        probe=lambda w: ExportRequest.objects.count(),
    ),
    Row("privacy:export_status", "GET", OWN_EXPORT, lambda w: {"uuid": w.export.uuid}, headers=HX),
    Row("privacy:export_download", "GET", OWN_EXPORT, lambda w: {"uuid": w.export.uuid}),
    Row("privacy:rectifications", "GET", READ_P, person),
    # Retention periods and the registre des traitements
    Row("retention:runs", "GET", DPO_ONLY),
    Row("retention:start", "GET", POST_ONLY),
    Row(
        "retention:start",
        "POST",
        DPO_ONLY,
        data=lambda w: {},
        success=lambda w: reverse("retention:run", args=[RetentionRun.objects.latest("pk").uuid]),
        probe=lambda w: RetentionRun.objects.count(),
    ),
    Row("retention:run", "GET", DPO_ONLY, lambda w: {"uuid": w.retention_run.uuid}),
    Row("retention:run_status", "GET", DPO_ONLY, lambda w: {"uuid": w.retention_run.uuid}, headers=HX),
    Row("retention:apply", "GET", POST_ONLY, lambda w: {"uuid": w.retention_run.uuid}),
    Row(
        "retention:apply",
        "POST",
        DPO_ONLY,
        lambda w: {"uuid": w.retention_run.uuid},
        data=lambda w: {},
        success=lambda w: reverse("retention:run", args=[w.retention_run.uuid]),
        probe=lambda w: RetentionRun.objects.get(pk=w.retention_run.pk).approved_at,
    ),
    Row("retention:rules", "GET", DPO_ONLY),
    Row("retention:rule_edit", "GET", DPO_ONLY, lambda w: {"category": "notes"}),
    Row(
        "retention:rule_edit",
        "POST",
        DPO_ONLY,
        lambda w: {"category": "notes"},
        data=lambda w: {
            "active_months": "24",
            "archive_months": "36",
            "final_action": "erasure",
            "justification": "Décision du responsable de traitement du 2 mars.",
        },
        success=lambda w: reverse("retention:rules"),
        probe=lambda w: RetentionRuleChange.objects.count(),
    ),
    Row("retention:registre", "GET", REGISTRE),
    # OpenID Connect login (off in the tests' settings)
    Row("accounts:oidc_login", "GET", NOT_CONFIGURED),
    Row("accounts:oidc_callback", "GET", NOT_CONFIGURED, query={"code": "abc", "state": "xyz"}),
    # Finance: yearly statements and their import
    Row("finance:list", "GET", FINANCE_PAGE),
    Row("finance:detail", "GET", FINANCE_A, lambda w: {"uuid": w.statement.uuid}),
    Row("finance:template_csv", "GET", FINANCE_PAGE),
    Row("finance:template_xlsx", "GET", FINANCE_PAGE),
    Row("finance:import", "GET", FINANCE_PAGE),
    Row("finance:import_detail", "GET", FINANCE_IMPORT_OF_DIR_A, lambda w: {"uuid": w.finance_import.uuid}),
    Row(
        "finance:import_apply",
        "POST",
        FINANCE_IMPORT_OF_DIR_A,
        lambda w: {"uuid": w.finance_import.uuid},
        data=lambda w: {},
        success=lambda w: reverse("finance:import_detail", args=[w.finance_import.uuid]),
        probe=lambda w: FinancialStatement.objects.count(),
    ),
    # Dashboards and reports: aggregates only, for the directions and the authorities
    Row("reporting:index", "GET", DASHBOARDS),
    Row("reporting:indicators", "GET", EVERY_USER),
    Row("reporting:indicator", "GET", EVERY_USER, lambda w: {"code": "personnes-accompagnees"}),
    Row("reporting:dashboard", "GET", DASHBOARD_A, lambda w: {"scope": Scope.establishment(w.a)}),
    Row("reporting:export_xlsx", "GET", DASHBOARD_G, lambda w: {"scope": Scope.gestionnaire(w.g)}),
    Row(
        "reporting:export_csv",
        "GET",
        DASHBOARD_A,
        lambda w: {"scope": Scope.establishment(w.a)},
        query={"indicateur": "personnes-accompagnees-par-sexe"},
    ),
    Row("reporting:activity_report", "GET", DASHBOARD_A, lambda w: {"pk": w.a.pk, "year": last_year()}),
    Row("reporting:activity_report_pdf", "GET", DASHBOARD_A, lambda w: {"pk": w.a.pk, "year": last_year()}),
    Row("reporting:serafin_summary", "GET", DASHBOARD_A, lambda w: {"pk": w.a.pk}),
    Row("reporting:serafin_summary_csv", "GET", DASHBOARD_A, lambda w: {"pk": w.a.pk}),
    Row("reporting:serafin_summary_xlsx", "GET", DASHBOARD_A, lambda w: {"pk": w.a.pk}),
]


# Django's admin, model by model: (name prefix, how to find the object, cells that differ from
# ADMIN_MODEL). Reference data that comes from files (nomenclatures) and task results are read-only
# there: adding and deleting are refused (403) even to a superuser; their change page shows the
# object read-only.
ADMIN_READ_ONLY = {"add": ADMIN_MODEL_REFUSED, "delete": ADMIN_MODEL_REFUSED}
ADMIN_MODELS = [
    ("auth_group", lambda w: Group.objects.get(name="DPO").pk, {}),
    ("otp_totp_totpdevice", lambda w: TOTPDevice.objects.get(user=w.users["pro_a"]).pk, {}),
    ("otp_static_staticdevice", lambda w: StaticDevice.objects.get(user=w.users["pro_a"]).pk, {}),
    ("django_tasks_database_dbtaskresult", lambda w: w.task_result.pk, ADMIN_READ_ONLY),
    ("accounts_user", lambda w: w.users["pro_a"].pk, {}),
    ("accounts_externalidentity", lambda w: ExternalIdentity.objects.get(user=w.users["pro_a"]).pk, {}),
    ("nomenclature_codesystem", lambda w: CodeSystem.objects.get(slug="deficiences").pk, ADMIN_READ_ONLY),
    (
        "nomenclature_concept",
        lambda w: Concept.objects.filter(system__slug="deficiences").first().pk,
        ADMIN_READ_ONLY,
    ),
    ("organisations_gestionnaire", lambda w: w.g.pk, {}),
    ("organisations_establishment", lambda w: w.a.pk, {}),
    ("staff_professional", lambda w: w.professionals["pro_a"].pk, {}),
    ("staff_absence", lambda w: w.absence.pk, {}),
    ("organisations_authority", lambda w: w.authority.pk, {}),
    ("finance_financialstatement", lambda w: w.statement.pk, ADMIN_READ_ONLY),
    ("finance_financeimport", lambda w: w.finance_import.pk, ADMIN_READ_ONLY),
    # The FHIR API's clients: registered by the `fhir_client` command (the secret shown once), listed
    # and revoked here, never added nor deleted.
    ("fhir_apiclient", lambda w: w.api_client.pk, ADMIN_READ_ONLY),
]


def admin_model_rows(prefix: str, object_id: Callable, cells: dict) -> list[Row]:
    on_object = lambda w: {"object_id": object_id(w)}  # noqa: E731
    return [
        Row(f"admin:{prefix}_changelist", "GET", cells.get("changelist", ADMIN_MODEL)),
        Row(f"admin:{prefix}_add", "GET", cells.get("add", ADMIN_MODEL)),
        Row(f"admin:{prefix}_history", "GET", cells.get("history", ADMIN_MODEL), on_object),
        Row(f"admin:{prefix}_delete", "GET", cells.get("delete", ADMIN_MODEL), on_object),
        Row(f"admin:{prefix}_change", "GET", cells.get("change", ADMIN_MODEL), on_object),
    ]


ADMIN_ROWS = [
    Row("admin:index", "GET", ADMIN_ONLY),
    Row("admin:login", "GET", ADMIN_LOGIN_PAGE),
    Row("admin:logout", "GET", ADMIN_LOGOUT),
    Row("admin:password_change", "GET", ADMIN_ONLY),
    Row("admin:password_change_done", "GET", ADMIN_ONLY),
    # Without the field it completes, the autocomplete refuses (403) even a superuser.
    Row("admin:autocomplete", "GET", ADMIN_REFUSED),
    Row("admin:jsi18n", "GET", ADMIN_ONLY),
    Row(
        "admin:view_on_site",
        "GET",
        ADMIN_MISSING,
        lambda w: {
            "content_type_id": ContentType.objects.get_for_model(Group).pk,
            "object_id": Group.objects.get(name="DPO").pk,
        },
    ),
    Row("admin:app_list", "GET", ADMIN_ONLY, lambda w: {"app_label": "organisations"}),
    Row("admin:auth_user_password_change", "GET", ADMIN_MODEL, lambda w: {"id": w.users["pro_a"].pk}),
    # The authentication apps' secrets are never shown (OTP_ADMIN_HIDE_SENSITIVE_DATA): 403 even to a
    # superuser.
    Row(
        "admin:otp_totp_totpdevice_config",
        "GET",
        ADMIN_MODEL_REFUSED,
        lambda w: {"pk": TOTPDevice.objects.get(user=w.users["pro_a"]).pk},
    ),
    Row(
        "admin:otp_totp_totpdevice_qrcode",
        "GET",
        ADMIN_MODEL_REFUSED,
        lambda w: {"pk": TOTPDevice.objects.get(user=w.users["pro_a"]).pk},
    ),
    *[row for prefix, object_id, cells in ADMIN_MODELS for row in admin_model_rows(prefix, object_id, cells)],
]
ROWS += ADMIN_ROWS

# A page of a person's space, to the team: nobody of the team holds a link to it (404).
NO_LINK = (LOGIN, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)


def _portal_rows() -> list[Row]:
    from tests.security.portal_rows import accounts, circle, day, evaluations, home, messages, privacy, projet

    modules = (home, accounts, day, projet, messages, privacy, evaluations, circle)
    return [row for module in modules for row in module.ROWS]


ROWS += _portal_rows()


def _coordination_rows() -> list[Row]:
    from tests.security.coordination_rows import circle, liaison, notifications, orientations, waiting

    modules = (orientations, waiting, liaison, circle, notifications)
    return [row for module in modules for row in module.ROWS]


ROWS += _coordination_rows()


def _fhir_rows() -> list[Row]:
    from tests.security import fhir_rows

    return fhir_rows.ROWS


ROWS += _fhir_rows()


def pdf_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("compte-rendu.pdf", b"%PDF-1.4 compte rendu")
