"""Plan and generate the synthetic data set: organisations, staff, persons, their supports and records.

Everything is drawn from random.Random streams seeded by (seed, phase) and from a Faker fr_FR seeded
with the seed, in a fixed order, so a seed always gives the same persons, names and figures (dates
are relative to today). Rows are produced as tuples with explicit ids; a writer (parcours.demo.writers)
turns them into INSERTs or a PostgreSQL COPY. Nothing here touches the database except reading
the nomenclatures.
"""

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.utils import timezone
from faker import Faker

from parcours.core.text import fold
from parcours.demo import profiles as pr
from parcours.demo import texts
from parcours.demo.identifiers import make_finess, make_nir, make_rpps, make_siren, uuid4_int
from parcours.nomenclature.models import Concept
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Capacity, Establishment, Gestionnaire, Unit
from parcours.people.enums import (
    IdentityStatus,
    MdphDecisionType,
    ProtectionMeasure,
    RelationshipKind,
    RepresentativeKind,
)
from parcours.people.models import Deficiency, LegalProtection, MdphDecision, Person, Relative
from parcours.records.enums import ExitReason, FrequencyPeriod, NoteCategory, ProjetStatus
from parcours.records.models import (
    Admission,
    Goal,
    Need,
    NeedsAssessment,
    PlannedService,
    ProjetPersonnalise,
)
from parcours.staff.enums import RPPS_PROFESSIONS, ContractType, Profession, Role
from parcours.staff.models import Contract, Membership, Professional

PARIS = ZoneInfo("Europe/Paris")
YEAR = 365.25
DEMO_PASSWORD = "Parcours-demo-2026"  # noqa: S105 - printed on purpose: demonstration logins only


@dataclass(frozen=True)
class Scale:
    name: str
    persons: int
    history_days: int
    # Fixed list of (FINESS category code, gestionnaire index) for the small scales...
    layout: tuple[tuple[str, int], ...] = ()
    # ...or counts for the department scale.
    establishments: int = 0
    gestionnaires: int = 0
    staff: int | None = None
    services: int | None = None
    notes: int | None = None
    department: str = "35"


SCALES = {
    "tiny": Scale("tiny", persons=20, history_days=60, layout=(("246", 0), ("449", 0), ("446", 0))),
    "small": Scale(
        "small",
        persons=200,
        history_days=365,
        layout=(("183", 0), ("246", 0), ("449", 0), ("446", 0), ("500", 1)),
    ),
    "department": Scale(
        "department",
        persons=20_000,
        history_days=3 * 365,
        establishments=300,
        gestionnaires=60,
        staff=12_000,
        services=10_000_000,
        notes=2_000_000,
    ),
}

# Demonstration logins, one per role.
LOGIN_PROFESSIONAL = "educatrice"
LOGIN_DIRECTOR = "directrice"
LOGIN_GESTIONNAIRE = "direction-gestionnaire"
LOGIN_ADMIN = "admin"
# Agents of the authorities of the demo's territory: they see aggregates only, masked.
LOGIN_ARS = "ars"
LOGIN_DEPARTEMENT = "conseil-departemental"
DEMO_USERNAMES = (
    LOGIN_PROFESSIONAL,
    LOGIN_DIRECTOR,
    LOGIN_GESTIONNAIRE,
    LOGIN_ADMIN,
    LOGIN_ARS,
    LOGIN_DEPARTEMENT,
)

OLD_FIRST_NAMES = {
    "F": (
        "Marcelle",
        "Germaine",
        "Simone",
        "Yvette",
        "Paulette",
        "Jeannine",
        "Odette",
        "Marguerite",
        "Lucienne",
        "Raymonde",
        "Denise",
        "Monique",
        "Colette",
        "Madeleine",
        "Suzanne",
        "Josette",
        "Gisèle",
        "Andrée",
    ),
    "M": (
        "Marcel",
        "René",
        "André",
        "Roger",
        "Robert",
        "Lucien",
        "Raymond",
        "Maurice",
        "Georges",
        "Henri",
        "Fernand",
        "Gaston",
        "Jean",
        "Pierre",
        "Louis",
        "Bernard",
        "Jacques",
        "Guy",
    ),
}
STAFF_AGE_BRACKETS = (
    (20, 24, 6),
    (25, 29, 10),
    (30, 34, 12),
    (35, 39, 13),
    (40, 44, 13),
    (45, 49, 13),
    (50, 54, 13),
    (55, 59, 12),
    (60, 64, 8),
)
FTE_CHOICES = (Decimal("1.00"),) * 7 + (
    Decimal("0.90"),
    Decimal("0.80"),
    Decimal("0.80"),
    Decimal("0.75"),
    Decimal("0.60"),
    Decimal("0.50"),
    Decimal("0.50"),
)
PART_TIME_PROFESSIONS = {
    Profession.MEDECIN,
    Profession.PSYCHOLOGUE,
    Profession.ORTHOPHONISTE,
    Profession.PSYCHOMOTRICIEN,
    Profession.ERGOTHERAPEUTE,
}
REFERENT_PROFESSIONS = (
    Profession.EDUCATEUR_SPECIALISE,
    Profession.CHEF_SERVICE,
    Profession.MONITEUR_EDUCATEUR,
    Profession.PSYCHOLOGUE,
    Profession.INFIRMIER,
    Profession.ASSISTANT_SOCIAL,
)
NOTE_SHAREABLE = {
    NoteCategory.DAILY_LIFE: 0.4,
    NoteCategory.ACTIVITY: 0.5,
    NoteCategory.FAMILY: 0.3,
    NoteCategory.BEHAVIOUR: 0.1,
    NoteCategory.HEALTH: 0.05,
    NoteCategory.ADMINISTRATIVE: 0.1,
    NoteCategory.INCIDENT: 0.0,
}
PERIOD_PER_WEEK = {
    FrequencyPeriod.DAY: 7.0,
    FrequencyPeriod.WEEK: 1.0,
    FrequencyPeriod.MONTH: 0.25,
    FrequencyPeriod.YEAR: 0.02,
}


class DemoDataError(Exception):
    """A French message for the user: why the demo data cannot be generated."""


def row_uuid(model, row_id: int) -> uuid.UUID:
    """A UUID derived from the row's id, for rows that got one after the generator was tuned:
    drawing it from the random generator would change every row generated after it."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"parcours-demo:{model._meta.db_table}:{row_id}")


def weighted_bag(weights: dict, size: int = 40) -> tuple:
    """A tuple where each key appears in proportion to its weight: bag[int(random() * len)] is a
    weighted draw, much cheaper than random.choices in hot loops."""
    total = sum(weights.values())
    bag: list = []
    for key, weight in weights.items():
        bag.extend([key] * max(1, round(size * weight / total)))
    return tuple(bag)


@dataclass
class Nomenclature:
    """The codes the generator may use, read from the nomenclature tables."""

    categories: dict[str, int]
    needs: dict[str, int]
    prestations: dict[str, int]
    deficiencies: dict[str, int]

    @classmethod
    def load(cls) -> "Nomenclature":
        def codes(slug: str) -> dict[str, int]:
            return dict(Concept.objects.of(slug).selectable().values_list("code", "id"))

        return cls(
            codes("finess-categories"),
            cls._leaves("serafin-ph-besoins", "1."),
            cls._leaves("serafin-ph-prestations", "2."),
            codes("deficiences"),
        )

    @staticmethod
    def _leaves(slug: str, prefix: str) -> dict[str, int]:
        """Selectable codes of level 3 or more with no selectable child: the most precise ones."""
        rows = list(Concept.objects.of(slug).selectable().values_list("code", "id", "parent_code", "level"))
        parents = {parent for _, _, parent, _ in rows}
        return {
            code: pk
            for code, pk, _, level in rows
            if level >= 3 and code not in parents and code.startswith(prefix)
        }


@dataclass(slots=True)
class EstPlan:
    index: int
    id: int
    profile: pr.CategoryProfile
    gestionnaire: int
    base_places: dict[str, int]
    occupancy: float
    places: dict[str, int] = field(default_factory=dict)
    name: str = ""
    unit_ids: list[int] = field(default_factory=list)
    director_id: int = 0


@dataclass(slots=True)
class PersonPlan:
    index: int
    birth: int  # date ordinal
    sex: str
    profile: pr.CategoryProfile
    opened_by: int
    death: int | None = None
    stays: list = field(default_factory=list)


@dataclass(slots=True)
class Stay:
    person: PersonPlan
    est: EstPlan
    mode: str
    start: int
    end: int | None
    exit: str = ""
    unit_id: int | None = None
    dropped: bool = False


@dataclass(slots=True)
class Episode:
    """What the service-log and note streams need about one admission."""

    person_id: int
    est_id: int
    start: int
    end: int
    weekdays_only: bool
    services_per_day: float
    notes_per_day: float
    segments: list  # [(from ordinal, bag of prestation ids)]
    name: str
    female: int
    pools: dict
    note_bag: tuple
    note_hours: tuple[int, int]


class Table:
    def __init__(self, model, columns: tuple[str, ...]):
        self.model = model
        self.columns = columns
        self.rows: list[tuple] = []


class DemoGenerator:
    def __init__(
        self,
        scale: Scale,
        seed: int,
        nomenclature: Nomenclature,
        *,
        today: date | None = None,
        first_ids: dict | None = None,
    ):
        self.scale = scale
        self.seed = seed
        self.nom = nomenclature
        self.today = today or timezone.localdate()
        self.today_o = self.today.toordinal()
        self.window_start_o = self.today_o - scale.history_days + 1
        self.now = timezone.now()
        self.first_ids = first_ids or {}
        self.ids: dict = {}
        self.tables: dict = {}
        self.faker = Faker("fr_FR")
        self.faker.seed_instance(seed)
        self.department = scale.department
        self.region = pr.DEPARTMENT_REGION[self.department]
        self.profiles = [p for p in pr.PROFILES if p.code in nomenclature.categories]
        self.establishments: list[EstPlan] = []
        self.gestionnaire_ids: list[int] = []
        self.gestionnaire_public: list[bool] = []
        self.gestionnaire_names: list[str] = []
        self.persons: list[PersonPlan] = []
        self.person_ids: list[int] = []
        self.person_names: list[tuple[str, int]] = []
        self.episodes: list[Episode] = []
        self.staff_index: dict = defaultdict(lambda: defaultdict(list))
        self.pick_cache: dict = {}
        self.logins: list[tuple[str, str, str]] = []
        self.login_professionals: dict[str, int] = {}
        self.demo_est: EstPlan | None = None
        self.prestation_info = self._prestation_info()

    # -- helpers ------------------------------------------------------------------------------------

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"{self.seed}:{phase}")

    def next_id(self, model) -> int:
        value = self.ids.get(model, self.first_ids.get(model, 1))
        self.ids[model] = value + 1
        return value

    def table(self, model, columns: tuple[str, ...]) -> Table:
        if model not in self.tables:
            self.tables[model] = Table(model, columns)
        return self.tables[model]

    def uuid(self, rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=uuid4_int(rng))

    row_uuid = staticmethod(row_uuid)

    @staticmethod
    def d(ordinal: int | None) -> date | None:
        return None if ordinal is None else date.fromordinal(ordinal)

    def moment(self, ordinal: int, rng: random.Random, hours=(9, 17)) -> datetime:
        """An aware datetime on that day, never after now."""
        minute = rng.randrange(hours[0] * 60, hours[1] * 60)
        value = datetime.combine(date.fromordinal(ordinal), time(minute // 60, minute % 60), tzinfo=PARIS)
        return min(value, self.now)

    def phone(self, rng: random.Random, mobile: bool = True) -> str:
        first = rng.choice("67") if mobile else rng.choice("12345")
        return f"0{first} " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))

    def address(self, rng: random.Random) -> tuple[str, str, str]:
        postal = f"{self.department}{rng.randrange(0, 10)}{rng.choice('0123456789')}0"
        return self.faker.street_address()[:200], postal, self.faker.city()[:100]

    def _prestation_info(self) -> dict[int, tuple[tuple[int, ...], float, tuple[str, ...]]]:
        """For each prestation id: usual durations, share delivered in group, professions who deliver it."""
        info = {}
        for code, pk in self.nom.prestations.items():
            durations = next(values for prefix, values in pr.DURATIONS if code.startswith(prefix))
            professions = next(
                (profs for prefix, profs in pr.PRESTATION_PROFESSIONS if code.startswith(prefix)), ()
            )
            info[pk] = (durations, pr.GROUP_PRESTATIONS.get(code, 0.0), professions)
        return info

    def prestation_bag(self, weights: dict[str, float]) -> tuple[int, ...]:
        known = {self.nom.prestations[code]: w for code, w in weights.items() if code in self.nom.prestations}
        if not known:
            known = {pk: 1 for pk in self.nom.prestations.values()}
        return weighted_bag(known)

    # -- the whole plan -----------------------------------------------------------------------------

    def plan(self) -> None:
        """Everything but the service log and the notes, which are streamed month by month."""
        if not self.nom.prestations or not self.nom.needs:
            raise DemoDataError(
                "Les nomenclatures SERAFIN-PH ne sont pas chargées : lancez « parcours load-nomenclatures »."
            )
        self.plan_organisations()
        self.plan_staff()
        self.plan_stays()
        self.plan_persons()
        self.plan_records()

    # -- organisations ------------------------------------------------------------------------------

    def _layout(self) -> list[tuple[pr.CategoryProfile, int]]:
        rng = self.rng("layout")
        if self.scale.layout:
            layout = [
                (pr.PROFILE_BY_CODE[code], g) for code, g in self.scale.layout if code in self.nom.categories
            ]
            if not layout:
                raise DemoDataError(
                    "Aucune des catégories FINESS attendues n'est active dans la nomenclature."
                )
            return layout
        if len(self.profiles) < 15:
            raise DemoDataError("La nomenclature FINESS chargée compte moins de 15 catégories utilisables.")
        total = sum(p.department_count for p in self.profiles)
        quotas = [(p, self.scale.establishments * p.department_count / total) for p in self.profiles]
        counts = {p.code: int(q) for p, q in quotas}
        missing = self.scale.establishments - sum(counts.values())
        for p, _ in sorted(quotas, key=lambda item: item[1] - int(item[1]), reverse=True)[:missing]:
            counts[p.code] += 1
        # Gestionnaires per family in proportion to their establishments, a few large ones and many small.
        by_family: dict[str, list[pr.CategoryProfile]] = defaultdict(list)
        for p in self.profiles:
            by_family[p.family].extend([p] * counts[p.code])
        families = sorted(by_family)
        g_counts = {
            f: max(1, round(self.scale.gestionnaires * len(by_family[f]) / self.scale.establishments))
            for f in families
        }
        while sum(g_counts.values()) > self.scale.gestionnaires:
            g_counts[max(g_counts, key=g_counts.get)] -= 1
        while sum(g_counts.values()) < self.scale.gestionnaires:
            g_counts[max(families, key=lambda f: len(by_family[f]) / g_counts[f])] += 1
        layout, first = [], 0
        self._families = {}
        for family in families:
            n = g_counts[family]
            weights = [1 / (k + 1) ** 0.8 for k in range(n)]
            items = list(by_family[family])
            rng.shuffle(items)
            for k, profile in enumerate(items):
                g = k if k < n else rng.choices(range(n), weights)[0]  # every gestionnaire runs one at least
                layout.append((profile, first + g))
            for g in range(n):
                self._families[first + g] = family
            first += n
        layout.sort(key=lambda item: item[1])
        return layout

    def plan_organisations(self) -> None:
        rng = self.rng("organisations")
        layout = self._layout()
        n_gestionnaires = max(g for _, g in layout) + 1
        families = getattr(self, "_families", {})
        g_table = self.table(Gestionnaire, ("id", "uuid", "name", "siren", "finess_juridique"))
        used: set[str] = set()

        def unique(make):
            value = make()
            while value in used:
                value = make()
            used.add(value)
            return value

        for g in range(n_gestionnaires):
            family = families.get(g) or next(p.family for p, gg in layout if gg == g)
            pattern = rng.choice(texts.GESTIONNAIRE_PATTERNS[family])
            name = pattern.format(a=rng.choice(texts.ASSOCIATION_WORDS), c=rng.choice(texts.TOWNS))
            gid = self.next_id(Gestionnaire)
            g_table.rows.append(
                (
                    gid,
                    self.uuid(rng),
                    name[:200],
                    unique(lambda: make_siren(rng)),
                    unique(lambda: make_finess(rng, self.department)),
                )
            )
            self.gestionnaire_ids.append(gid)
            self.gestionnaire_names.append(name)
            self.gestionnaire_public.append(name.startswith(("CCAS", "Centre hospitalier")))
        e_table = self.table(
            Establishment,
            (
                "id",
                "uuid",
                "gestionnaire_id",
                "name",
                "finess",
                "category_id",
                "department_code",
                "region_code",
                "street",
                "postal_code",
                "city",
                "phone",
            ),
        )
        names: set[str] = set()
        for index, (profile, g) in enumerate(layout):
            base = {}
            for spec in profile.modes:
                low, high = spec.places
                places = rng.randint(low, high)
                if places:
                    base[spec.mode] = places
            if not base:
                spec = profile.modes[0]
                base[spec.mode] = max(1, spec.places[1] // 2)
            est = EstPlan(index, self.next_id(Establishment), profile, g, base, rng.uniform(0.86, 0.99))
            name = f"{profile.prefix} {rng.choice(texts.PLACE_NAMES)}"
            street, postal, city = self.address(rng)
            if name in names:
                name = f"{name} de {city}"
            names.add(name)
            est.name = name
            e_table.rows.append(
                (
                    est.id,
                    self.uuid(rng),
                    self.gestionnaire_ids[g],
                    name[:200],
                    unique(lambda: make_finess(rng, self.department)),
                    self.nom.categories[profile.code],
                    self.department,
                    self.region,
                    street,
                    postal,
                    city,
                    self.phone(rng, mobile=False),
                )
            )
            self.establishments.append(est)
        u_table = self.table(Unit, ("id", "establishment_id", "name"))
        for est in self.establishments:
            total = sum(est.base_places.values())
            for name in est.profile.units[: max(1, min(len(est.profile.units), 1 + total // 25))]:
                uid = self.next_id(Unit)
                u_table.rows.append((uid, est.id, name))
                est.unit_ids.append(uid)
        # The establishment whose team gets the demonstration logins.
        preferred = ("449", "183", "246", "448", "500")
        candidates = [e for e in self.establishments if e.gestionnaire == 0]
        self.demo_est = min(
            candidates,
            key=lambda e: (preferred.index(e.profile.code) if e.profile.code in preferred else 99, e.index),
        )

    def write_capacities(self) -> None:
        c_table = self.table(Capacity, ("id", "establishment_id", "mode", "places"))
        for est in self.establishments:
            for mode, places in est.places.items():
                c_table.rows.append((self.next_id(Capacity), est.id, mode, places))

    # -- staff --------------------------------------------------------------------------------------

    def _staff_age(self, rng: random.Random) -> int:
        low, high, _ = rng.choices(STAFF_AGE_BRACKETS, [w for _, _, w in STAFF_AGE_BRACKETS])[0]
        return rng.randint(low, high)

    def plan_staff(self) -> None:
        rng = self.rng("staff")
        years = self.scale.history_days / YEAR
        turnover = 0.08
        positions = {
            e.index: max(3, round(sum(e.base_places.values()) * e.profile.staff_per_place))
            for e in self.establishments
        }
        factor = 1.0
        if self.scale.staff:
            expected = (
                sum(positions.values()) * (1 + turnover * years)
                + len(self.establishments)
                + len(self.gestionnaire_ids)
            )
            factor = self.scale.staff / expected
        p_table = self.table(
            Professional,
            ("id", "uuid", "user_id", "last_name", "first_name", "profession", "rpps", "birth_date", "sex"),
        )
        c_table = self.table(
            Contract,
            ("id", "professional_id", "employer_id", "contract_type", "start_date", "end_date", "fte"),
        )
        m_table = self.table(
            Membership,
            (
                "id",
                "uuid",
                "professional_id",
                "role",
                "establishment_id",
                "gestionnaire_id",
                "start_date",
                "end_date",
            ),
        )
        ws, today = self.window_start_o, self.today_o
        memberships = []  # (professional id, establishment id, profession, start, end)

        def person(profession: str, *, start: int | None, sex: str | None = None):
            age = self._staff_age(rng)
            if profession == Profession.DIRECTEUR:
                age = max(age, rng.randint(38, 58))
            birth = today - int(age * YEAR) - rng.randrange(365)
            female_share = 0.45 if profession in (Profession.MONITEUR_ATELIER, Profession.DIRECTEUR) else 0.8
            sex = sex or ("F" if rng.random() < female_share else "M")
            first = self.faker.first_name_female() if sex == "F" else self.faker.first_name_male()
            pid = self.next_id(Professional)
            rpps = make_rpps(rng) if profession in RPPS_PROFESSIONS else ""
            p_table.rows.append(
                (
                    pid,
                    self.uuid(rng),
                    None,
                    self.faker.last_name(),
                    first,
                    profession,
                    rpps,
                    self.d(birth),
                    sex,
                )
            )
            if start is None:  # already there when the history starts
                seniority = rng.randrange(0, int(max(1, min(age - 21, 25)) * YEAR))
                start = max(ws - 30 - seniority, birth + int(20 * YEAR))
                start = min(start, ws - 30)
            return pid, start

        def contract_type(g: int, profession: str, ended: bool, age_years: float) -> str:
            if self.gestionnaire_public[g] and rng.random() < 0.7:
                return ContractType.FONCTIONNAIRE
            if profession == Profession.MEDECIN and rng.random() < 0.3:
                return ContractType.LIBERAL
            draw = rng.random()
            if ended:
                return ContractType.CDD if draw < 0.45 else ContractType.CDI
            if draw < 0.09:
                return ContractType.CDD
            if draw < 0.11 and age_years < 27:
                return ContractType.APPRENTISSAGE
            if draw < 0.115:
                return ContractType.INTERIM
            return ContractType.CDI

        def hire(
            est: EstPlan,
            pid: int,
            profession: str,
            start: int,
            end: int | None,
            fte: Decimal,
            role: str = Role.PROFESSIONAL,
        ) -> None:
            birth = p_table.rows[-1][7] if p_table.rows[-1][0] == pid else None
            age_years = (start - birth.toordinal()) / YEAR if birth else 40
            c_table.rows.append(
                (
                    self.next_id(Contract),
                    pid,
                    est.id,
                    contract_type(est.gestionnaire, profession, end is not None, age_years),
                    self.d(start),
                    self.d(end),
                    fte,
                )
            )
            mid = self.next_id(Membership)
            m_table.rows.append(
                (mid, row_uuid(Membership, mid), pid, role, est.id, None, self.d(start), self.d(end))
            )
            memberships.append((pid, est.id, profession, start, end))

        by_gestionnaire = defaultdict(list)
        for est in self.establishments:
            by_gestionnaire[est.gestionnaire].append(est)
        for est in self.establishments:
            sex = "F" if est is self.demo_est else None
            pid, start = person(Profession.DIRECTEUR, start=None, sex=sex)
            est.director_id = pid
            hire(est, pid, Profession.DIRECTEUR, start, None, Decimal("1.00"), Role.ESTABLISHMENT_DIRECTOR)
            bag = weighted_bag(est.profile.professions, 60)
            for _ in range(max(2, round(positions[est.index] * factor))):
                profession = bag[int(rng.random() * len(bag))]
                start, end = None, None
                while True:
                    pid, start = person(profession, start=start)
                    tenure = rng.expovariate(turnover / YEAR)
                    leave = max(start, ws) + int(tenure)
                    end = leave if leave < today else None
                    fte = rng.choice(FTE_CHOICES)
                    if profession in PART_TIME_PROFESSIONS:
                        fte = min(fte, rng.choice((Decimal("0.50"), Decimal("0.60"), Decimal("0.80"))))
                    siblings = [e for e in by_gestionnaire[est.gestionnaire] if e is not est]
                    if profession in PART_TIME_PROFESSIONS and siblings and rng.random() < 0.25:
                        # A psychologist or therapist shared between two establishments of the gestionnaire.
                        hire(est, pid, profession, start, end, Decimal("0.50"))
                        hire(rng.choice(siblings), pid, profession, start, end, Decimal("0.50"))
                    else:
                        hire(est, pid, profession, start, end, fte)
                    if end is None:
                        break
                    start = end + rng.randint(15, 90)
                    if start > today:
                        break
        for g, gid in enumerate(self.gestionnaire_ids):
            est = by_gestionnaire[g][0]
            pid, start = person(Profession.DIRECTEUR, start=None)
            c_table.rows.append(
                (self.next_id(Contract), pid, est.id, ContractType.CDI, self.d(start), None, Decimal("1.00"))
            )
            mid = self.next_id(Membership)
            m_table.rows.append(
                (
                    mid,
                    row_uuid(Membership, mid),
                    pid,
                    Role.GESTIONNAIRE_DIRECTOR,
                    None,
                    gid,
                    self.d(start),
                    None,
                )
            )
            if g == 0:
                self.login_professionals[LOGIN_GESTIONNAIRE] = pid
        self._index_staff(memberships)
        self._choose_logins(memberships)

    def _month_bounds(self):
        """(month number, first ordinal, last ordinal) from a year before the history to today."""
        first = date.fromordinal(self.window_start_o - 400).replace(day=1)
        months = []
        while first.toordinal() <= self.today_o:
            following = (first + timedelta(days=32)).replace(day=1)
            months.append((first.year * 12 + first.month - 1, first.toordinal(), following.toordinal() - 1))
            first = following
        return months

    def _index_staff(self, memberships) -> None:
        """Who works, the whole month, in each establishment: the authors of notes and services."""
        self.months = self._month_bounds()
        for pid, est_id, profession, start, end in memberships:
            for number, low, high in self.months:
                if start <= low and (end is None or end >= high):
                    self.staff_index[(est_id, number)][profession].append(pid)

    def staff_for(self, est_id: int, month: int, professions: tuple[str, ...] | None) -> list[int]:
        key = (est_id, month, professions)
        cached = self.pick_cache.get(key)
        if cached is not None:
            return cached
        by_profession = self.staff_index.get((est_id, month), {})
        found: list[int] = []
        for profession in professions or ():
            found.extend(by_profession.get(profession, ()))
        if not found:
            for profession, ids in by_profession.items():
                if profession in pr.CARE_PROFESSIONS:
                    found.extend(ids)
        self.pick_cache[key] = found
        return found

    def _choose_logins(self, memberships) -> None:
        est = self.demo_est
        pro = [
            pid
            for pid, est_id, profession, start, end in memberships
            if est_id == est.id and end is None and profession == Profession.EDUCATEUR_SPECIALISE
        ]
        pro = pro or [
            pid
            for pid, est_id, profession, start, end in memberships
            if est_id == est.id
            and end is None
            and profession in pr.CARE_PROFESSIONS
            and profession != Profession.DIRECTEUR
        ]
        rows = {row[0]: row for row in self.tables[Professional].rows}
        female = [pid for pid in pro if rows[pid][8] == "F"]
        self.login_professionals[LOGIN_PROFESSIONAL] = (female or pro)[0]
        self.login_professionals[LOGIN_DIRECTOR] = est.director_id

    def attach_users(self, user_ids: dict[str, int]) -> None:
        """Link the demonstration logins to their professionals (user_id is the 3rd column)."""
        by_professional = {pid: user_ids[username] for username, pid in self.login_professionals.items()}
        rows = self.tables[Professional].rows
        for i, row in enumerate(rows):
            if row[0] in by_professional:
                rows[i] = row[:2] + (by_professional[row[0]],) + row[3:]

    def login_descriptions(self) -> list[tuple[str, str]]:
        est = self.demo_est
        return [
            (LOGIN_PROFESSIONAL, f"professionnelle de l'équipe — {est.name}"),
            (LOGIN_DIRECTOR, f"direction de l'établissement — {est.name}"),
            (LOGIN_GESTIONNAIRE, f"direction de l'organisme gestionnaire — {self.gestionnaire_names[0]}"),
            (LOGIN_ADMIN, "administration (données de référence, aucun dossier)"),
            (LOGIN_ARS, f"agence régionale de santé — région {self.region}, chiffres agrégés seulement"),
            (
                LOGIN_DEPARTEMENT,
                f"conseil départemental — département {self.department}, chiffres agrégés seulement",
            ),
        ]

    def authorities(self) -> list[tuple[str, str, str, str, str]]:
        """The demo's authorities: (login, kind, name, region code, department code)."""
        return [
            (LOGIN_ARS, "ars", f"Agence régionale de santé (région {self.region})", self.region, ""),
            (
                LOGIN_DEPARTEMENT,
                "departement",
                f"Conseil départemental (département {self.department})",
                "",
                self.department,
            ),
        ]

    def login_names(self) -> dict[str, tuple[str, str]]:
        rows = {row[0]: row for row in self.tables[Professional].rows}
        return {username: (rows[pid][4], rows[pid][3]) for username, pid in self.login_professionals.items()}

    # -- stays (admissions), calibrated to the number of persons ------------------------------------

    def plan_stays(self) -> None:
        target = self.scale.persons
        factor, best = 1.0, (float("inf"), 1.0)
        for _ in range(8):
            self._plan_stays_once(factor)
            gap = abs(len(self.persons) - target)
            best = min(best, (gap, factor))
            if gap <= max(1, target * 0.01):
                break
            factor *= (target / len(self.persons)) ** 0.8
        if best[1] != factor:
            self._plan_stays_once(best[1])
        self.write_capacities()

    def _new_person(
        self, rng: random.Random, profile: pr.CategoryProfile, start: int, est: EstPlan
    ) -> PersonPlan:
        low, mode, high = profile.ages
        age = rng.triangular(low, high + 0.99, mode)
        birth = start - int(age * YEAR) - 2 - rng.randrange(0, 30)
        birth = max(birth, self.today_o - int(104 * YEAR))
        sex = "F" if rng.random() < (0.7 if profile.public == pr.ELDERLY else 0.45) else "M"
        person = PersonPlan(len(self.persons), birth, sex, profile, est.index)
        self.persons.append(person)
        return person

    def _age(self, person: PersonPlan, ordinal: int) -> float:
        return (ordinal - person.birth) / YEAR

    def _shared_person(self, rng, profile, est, start, pools) -> PersonPlan | None:
        candidates = [stay for code in profile.share_from for stay in pools.get(code, ())]
        if not candidates:
            return None
        low, _, high = profile.ages
        for _ in range(12):
            anchor = candidates[int(rng.random() * len(candidates))]
            person = anchor.person
            if not (anchor.start <= start and (anchor.end is None or anchor.end >= start)):
                continue
            age = self._age(person, start)
            if person.death is not None or not low <= age <= high + 15:
                continue
            if profile.age_limit and age >= profile.age_limit - 0.5:
                continue
            # At most three supports at once: count every support not over at that start.
            running = [s for s in person.stays if s.end is None or s.end >= start]
            if len(running) >= 3 or any(s.est is est for s in running):
                continue
            return person
        return None

    def _returning_person(self, rng, est, start, visitors, profile) -> PersonPlan | None:
        for _ in range(5):
            if not visitors:
                return None
            person = visitors[int(rng.random() * len(visitors))]
            if person.death is not None or self._age(person, start) > profile.ages[2] + 20:
                continue
            running = [s for s in person.stays if s.end is None or s.end >= start - 14]
            if len(running) < 3 and not any(s.est is est for s in running):
                return person
        return None

    def _exit_reason(self, rng, profile, person, end) -> str:
        reasons = profile.exit_reasons
        reason = rng.choices(list(reasons), list(reasons.values()))[0]
        age = self._age(person, end)
        if reason == ExitReason.ESAT_RETIREMENT and age < 55:
            reason = ExitReason.ESAT_RESIGNATION
        if reason == ExitReason.ELDERLY_ESTABLISHMENT and age < 55:
            reason = ExitReason.REORIENTATION
        if reason == ExitReason.DEATH and profile.public in pr.CHILD_PUBLICS:
            reason = ExitReason.ORDINARY_LIFE
        return reason

    def _plan_stays_once(self, factor: float) -> None:
        for est in self.establishments:
            est.places = {m: max(1, round(p * factor)) for m, p in est.base_places.items()}
        rng = self.rng("stays")
        self.persons = []
        ws, today = self.window_start_o, self.today_o
        anchors = {code for p in self.profiles for code in p.share_from}
        order = sorted(self.establishments, key=lambda e: (e.profile.code not in anchors, e.index))
        pools: dict[str, list[Stay]] = defaultdict(list)
        for est in order:
            profile = est.profile
            visitors: list[PersonPlan] = []
            for spec in profile.modes:
                places = est.places.get(spec.mode, 0)
                mean = spec.mean_stay_days
                short = spec.mode == SupportMode.ACCUEIL_TEMPORAIRE
                mean_gap = max(3.0, mean * (1 - est.occupancy) / est.occupancy)
                for _ in range(places):
                    initial = rng.random() < est.occupancy  # the place is taken when the history starts
                    if initial:
                        elapsed = rng.randrange(1, 20) if short else int(rng.expovariate(1 / mean))
                        start = ws - 1 - min(elapsed, int(25 * YEAR))
                    else:
                        start = ws + int(rng.expovariate(1 / mean_gap))
                    while start <= today:
                        person = None
                        if short and spec.return_rate and rng.random() < spec.return_rate:
                            person = self._returning_person(rng, est, start, visitors, profile)
                        shares = profile.share_modes is None or spec.mode in profile.share_modes
                        if (
                            person is None
                            and shares
                            and profile.share_rate
                            and rng.random() < profile.share_rate
                        ):
                            person = self._shared_person(rng, profile, est, start, pools)
                        if person is None:
                            # Someone already there when the history starts has the category's age then.
                            person = self._new_person(rng, profile, ws if initial else start, est)
                            start = max(start, person.birth + int(profile.ages[0] * YEAR) + 2)
                        if short:
                            end = start + rng.randint(3, 45)
                        elif initial:  # time left from the start of the history
                            end = max(start + 7, ws + int(rng.expovariate(1 / mean)))
                        else:
                            end = start + max(7, int(rng.expovariate(1 / mean)))
                        initial = False
                        limit = profile.age_limit
                        if limit and end > person.birth + int(limit * YEAR):
                            end = max(start, person.birth + int(limit * YEAR))
                        stay = Stay(person, est, spec.mode, start, None)
                        if end <= today:
                            stay.end = end
                            at_limit = limit and end == max(start, person.birth + int(limit * YEAR))
                            if at_limit:
                                stay.exit = profile.age_exit
                            elif short:
                                stay.exit = ExitReason.END_OF_TEMPORARY_STAY
                            else:
                                stay.exit = self._exit_reason(rng, profile, person, end)
                            if stay.exit == ExitReason.DEATH:
                                person.death = end
                        if est.unit_ids:
                            stay.unit_id = est.unit_ids[int(rng.random() * len(est.unit_ids))]
                        person.stays.append(stay)
                        if short:
                            visitors.append(person)
                        elif profile.code in anchors:
                            pools[profile.code].append(stay)
                        if stay.end is None:
                            break
                        start = stay.end + 1 + int(rng.expovariate(1 / mean_gap))
        # Nobody is supported after their death.
        for person in self.persons:
            if person.death is None:
                continue
            for stay in person.stays:
                if stay.start > person.death:
                    stay.dropped = True
                elif stay.end is None or stay.end > person.death:
                    stay.end, stay.exit = person.death, ExitReason.DEATH
            person.stays = [s for s in person.stays if not s.dropped]
        # A few persons on a waiting list: record opened, no admission yet.
        waiting = [e for e in self.establishments if e.profile.mdph_orientation]
        for _ in range(round(self.scale.persons * 0.015) if waiting else 0):
            est = waiting[int(rng.random() * len(waiting))]
            self._new_person(rng, est.profile, today - rng.randrange(10, 300), est)

    # -- persons ------------------------------------------------------------------------------------

    def _first_names(self, rng, sex: str, birth_year: int) -> list[str]:
        count = rng.choices((1, 2, 3), (45, 40, 15))[0]
        names = []
        for _ in range(count):
            if birth_year < 1955 and rng.random() < 0.7:
                name = rng.choice(OLD_FIRST_NAMES[sex])
            else:
                name = self.faker.first_name_female() if sex == "F" else self.faker.first_name_male()
            if name not in names:
                names.append(name)
        return names

    def plan_persons(self) -> None:
        rng = self.rng("persons")
        faker = self.faker
        p_table = self.table(
            Person,
            (
                "id",
                "uuid",
                "birth_name",
                "first_names",
                "birth_date",
                "sex",
                "birth_place_code",
                "used_name",
                "used_first_name",
                "nir",
                "identity_status",
                "phone",
                "email",
                "street",
                "postal_code",
                "city",
                "gir",
                "gir_date",
                "opened_by_id",
                "search_text",
            ),
        )
        r_table = self.table(
            Relative,
            (
                "id",
                "uuid",
                "person_id",
                "last_name",
                "first_name",
                "relationship",
                "is_natural_carer",
                "is_emergency_contact",
                "phone",
                "email",
                "street",
                "postal_code",
                "city",
            ),
        )
        l_table = self.table(
            LegalProtection,
            (
                "id",
                "uuid",
                "person_id",
                "measure",
                "representative_kind",
                "representative_relative_id",
                "representative_name",
                "start_date",
                "end_date",
                "court_reference",
            ),
        )
        departments = sorted(pr.DEPARTMENT_REGION)
        est_by_index = self.establishments
        for person in self.persons:
            pid = self.next_id(Person)
            self.person_ids.append(pid)
            born = date.fromordinal(person.birth)
            sex = person.sex
            profile = person.profile
            public = profile.public
            birth_name = faker.last_name()
            first_names = self._first_names(rng, sex, born.year)
            used_name = ""
            if sex == "F" and self._age(person, self.today_o) > 25 and rng.random() < 0.45:
                used_name = faker.last_name()
            used_first = first_names[1] if len(first_names) > 1 and rng.random() < 0.05 else ""
            draw = rng.random()
            if draw < 0.04:
                place = rng.choice(pr.COUNTRIES_OF_BIRTH)
            elif draw < 0.32:
                place = f"{rng.choice(departments)}{rng.randint(1, 350):03d}"
            else:
                place = f"{self.department}{rng.randint(1, 350):03d}"
            status = rng.choices(IdentityStatus.values, (25, 10, 30, 35))[0]  # PROV, RECUP, VALI, QUAL
            has_nir = status in (IdentityStatus.RECUPEREE, IdentityStatus.QUALIFIEE) or (
                status == IdentityStatus.VALIDEE and rng.random() < 0.5
            )
            if status == IdentityStatus.PROVISOIRE and rng.random() < 0.1:
                place = ""
            nir = (
                make_nir(sex, born.year, born.month, place, rng.randint(1, 999)) if has_nir and place else ""
            )
            if not nir and status in (IdentityStatus.RECUPEREE, IdentityStatus.QUALIFIEE):
                status = IdentityStatus.VALIDEE
            adult = self._age(person, self.today_o) >= 18
            phone = self.phone(rng) if adult and public != pr.ELDERLY and rng.random() < 0.6 else ""
            email = faker.safe_email() if phone and rng.random() < 0.3 else ""
            street, postal, city = self.address(rng)
            gir, gir_date = None, None
            if profile.gir and person.stays:
                gir = rng.choices(list(profile.gir), list(profile.gir.values()))[0]
                gir_date = self.d(min(self.today_o, person.stays[0].start + rng.randrange(0, 30)))
            search = fold(" ".join([birth_name, used_name, " ".join(first_names), used_first]))
            p_table.rows.append(
                (
                    pid,
                    self.uuid(rng),
                    birth_name,
                    " ".join(first_names),
                    born,
                    sex,
                    place,
                    used_name,
                    used_first,
                    nir,
                    status,
                    phone,
                    email,
                    street,
                    postal,
                    city,
                    gir,
                    gir_date,
                    est_by_index[person.opened_by].id,
                    search,
                )
            )
            self.person_names.append((used_first or first_names[0], 1 if sex == "F" else 0))
            relatives = self._relatives(rng, person, pid, birth_name, r_table)
            self._protection(rng, person, pid, relatives, l_table)
        self.plan_mdph()
        self.plan_deficiencies()

    def _relatives(self, rng, person, pid, birth_name, r_table) -> list[tuple[int, str]]:
        faker = self.faker
        public = person.profile.public
        age = self._age(person, self.today_o)
        wanted: list[tuple[str, str]] = []
        if public in pr.CHILD_PUBLICS or age < 25:
            wanted = [(RelationshipKind.PARENT, "F")]
            if rng.random() < 0.75:
                wanted.append((RelationshipKind.PARENT, "M"))
            if rng.random() < 0.3:
                wanted.append((RelationshipKind.SIBLING, rng.choice("FM")))
        elif public == pr.ELDERLY or age >= 65:
            wanted = [(RelationshipKind.CHILD, rng.choice("FM")) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
            if rng.random() < 0.3:
                wanted.append((RelationshipKind.SPOUSE, "M" if person.sex == "F" else "F"))
        elif public == pr.SOCIAL:
            if rng.random() < 0.3:
                wanted = [
                    (rng.choice((RelationshipKind.OTHER_FAMILY, RelationshipKind.FRIEND)), rng.choice("FM"))
                ]
        else:
            if age < 55 and rng.random() < 0.75:
                wanted.append((RelationshipKind.PARENT, "F"))
                if rng.random() < 0.5:
                    wanted.append((RelationshipKind.PARENT, "M"))
            if rng.random() < 0.45:
                wanted.append((RelationshipKind.SIBLING, rng.choice("FM")))
        made = []
        carer_given = False
        for k, (kind, sex) in enumerate(wanted):
            same_name = kind in (
                RelationshipKind.PARENT,
                RelationshipKind.SIBLING,
                RelationshipKind.CHILD,
            ) and (sex == "M" or rng.random() < 0.4)
            last = birth_name if same_name else faker.last_name()
            first = faker.first_name_female() if sex == "F" else faker.first_name_male()
            carer = not carer_given and public != pr.CHILD_PROTECTION and rng.random() < 0.6
            carer_given = carer_given or carer
            street, postal, city = self.address(rng) if carer or k == 0 else ("", "", "")
            rid = self.next_id(Relative)
            r_table.rows.append(
                (
                    rid,
                    self.uuid(rng),
                    pid,
                    last,
                    first,
                    kind,
                    carer,
                    k == 0,
                    self.phone(rng),
                    faker.safe_email() if rng.random() < 0.3 else "",
                    street,
                    postal,
                    city,
                )
            )
            made.append((rid, kind))
        return made

    def _protection(self, rng, person, pid, relatives, l_table) -> None:
        public = person.profile.public
        age = self._age(person, self.today_o)
        first_start = person.stays[0].start if person.stays else self.today_o - 100
        if public == pr.CHILD_PROTECTION and age < 18:
            if rng.random() < 0.3:
                measure, kind, relative, name = (
                    ProtectionMeasure.DELEGATION_AUTORITE,
                    RepresentativeKind.SERVICE,
                    None,
                    f"Aide sociale à l'enfance du département ({self.department})",
                )
            else:
                return
        elif age >= 18 and public not in pr.CHILD_PUBLICS:
            elderly = public == pr.ELDERLY or age >= 65
            if rng.random() >= (0.22 if elderly else 0.4):
                return
            measures = (
                {
                    ProtectionMeasure.TUTELLE: 4,
                    ProtectionMeasure.CURATELLE_RENFORCEE: 3,
                    ProtectionMeasure.HABILITATION_FAMILIALE: 3,
                    ProtectionMeasure.SAUVEGARDE: 1,
                }
                if elderly
                else {
                    ProtectionMeasure.CURATELLE_RENFORCEE: 7,
                    ProtectionMeasure.TUTELLE: 7,
                    ProtectionMeasure.CURATELLE_SIMPLE: 3,
                    ProtectionMeasure.HABILITATION_FAMILIALE: 3,
                }
            )
            measure = rng.choices(list(measures), list(measures.values()))[0]
            family = [
                rid
                for rid, kind in relatives
                if kind in (RelationshipKind.PARENT, RelationshipKind.CHILD, RelationshipKind.SIBLING)
            ]
            if family and (measure == ProtectionMeasure.HABILITATION_FAMILIALE or rng.random() < 0.45):
                kind, relative, name = RepresentativeKind.FAMILY, rng.choice(family), ""
            else:
                if measure == ProtectionMeasure.HABILITATION_FAMILIALE:
                    measure = ProtectionMeasure.CURATELLE_RENFORCEE
                kind, relative, name = RepresentativeKind.MANDATAIRE, None, rng.choice(texts.MANDATAIRES)
        else:
            return
        adult_from = (
            person.birth + int(18 * YEAR)
            if measure != ProtectionMeasure.DELEGATION_AUTORITE
            else (person.birth + 30)
        )
        start = max(adult_from, first_start - rng.randrange(0, 3 * 365))
        start = min(start, self.today_o)
        reference = f"RG {date.fromordinal(start).year % 100:02d}/{rng.randrange(10000):05d}"
        l_table.rows.append(
            (
                self.next_id(LegalProtection),
                self.uuid(rng),
                pid,
                measure,
                kind,
                relative,
                name,
                self.d(start),
                None,
                reference,
            )
        )

    def plan_deficiencies(self) -> None:
        """A main deficiency (and sometimes an associated one) where the category calls for it."""
        rng = self.rng("deficiencies")
        table = self.table(Deficiency, ("id", "person_id", "concept_id", "is_main"))
        for person, pid in zip(self.persons, self.person_ids, strict=True):
            profile = person.profile
            weights = {c: w for c, w in profile.deficiencies.items() if c in self.nom.deficiencies}
            if not weights or rng.random() >= profile.deficiency_share:
                continue
            codes = list(weights)
            main = rng.choices(codes, list(weights.values()))[0]
            table.rows.append((self.next_id(Deficiency), pid, self.nom.deficiencies[main], True))
            others = [c for c in codes if c != main]
            if others and rng.random() < 0.3:
                table.rows.append(
                    (self.next_id(Deficiency), pid, self.nom.deficiencies[rng.choice(others)], False)
                )

    def plan_mdph(self) -> None:
        """Orientation decisions for every disability support, plus the usual rights."""
        rng = self.rng("mdph")
        m_table = self.table(
            MdphDecision,
            (
                "id",
                "uuid",
                "person_id",
                "decision_type",
                "orientation_category_id",
                "reference",
                "national_reference",
                "department_code",
                "decision_date",
                "start_date",
                "end_date",
            ),
        )
        today = self.today_o

        def add(pid, kind, category_id, decision, start, end=None):
            decision, start = min(decision, today), min(start, today)
            year = date.fromordinal(decision).year
            m_table.rows.append(
                (
                    self.next_id(MdphDecision),
                    self.uuid(rng),
                    pid,
                    kind,
                    category_id,
                    f"MDPH{self.department}-{year}-{rng.randrange(10**6):06d}",
                    "",
                    self.department,
                    self.d(decision),
                    self.d(max(start, decision)),
                    self.d(end),
                )
            )

        for person, pid in zip(self.persons, self.person_ids, strict=True):
            stays = person.stays or [None]
            categories = {}
            for stay in stays:
                profile = stay.est.profile if stay else person.profile
                start = stay.start if stay else today - rng.randrange(30, 200)
                if profile.mdph_orientation and profile.code not in categories:
                    categories[profile.code] = start
            for code, start in categories.items():
                decision = start - rng.randrange(30, 300)
                category_id = self.nom.categories[code]
                if today - decision > 5 * 365 + 60:
                    # An older decision for 5 years, then its renewal without end date.
                    end = decision + rng.randrange(20, 60) + 5 * 365
                    add(pid, MdphDecisionType.ORIENTATION_ESMS, category_id, decision, decision + 30, end)
                    add(
                        pid,
                        MdphDecisionType.ORIENTATION_ESMS,
                        category_id,
                        end - rng.randrange(30, 90),
                        end + 1,
                    )
                else:
                    add(pid, MdphDecisionType.ORIENTATION_ESMS, category_id, decision, start)
            if not categories:
                continue
            decision = min(categories.values()) - rng.randrange(30, 300)
            adult = self._age(person, decision) >= 20
            if adult:
                if rng.random() < 0.65:
                    add(pid, MdphDecisionType.AAH, None, decision, decision + 30)
                if "246" in categories:
                    add(pid, MdphDecisionType.RQTH, None, decision, decision + 30)
                    add(pid, MdphDecisionType.ORIENTATION_PRO, None, decision, decision + 30)
            else:
                if rng.random() < 0.7:
                    add(pid, MdphDecisionType.AEEH, None, decision, decision + 30)
                if rng.random() < 0.4:
                    add(pid, MdphDecisionType.SCOLARISATION, None, decision, decision + 30)
            if rng.random() < 0.3:
                add(pid, MdphDecisionType.CMI, None, decision, decision + 30)
            if rng.random() < 0.15:
                add(pid, MdphDecisionType.PCH, None, decision, decision + 30)

    # -- records: admissions, assessments, projets ---------------------------------------------------

    def plan_records(self) -> None:
        rng = self.rng("records")
        a_table = self.table(
            Admission,
            (
                "id",
                "uuid",
                "person_id",
                "establishment_id",
                "unit_id",
                "mode",
                "start_date",
                "end_date",
                "exit_reason",
                "comment",
            ),
        )
        self._records_tables()
        ws, today = self.window_start_o, self.today_o
        pools_by_public = {}
        for person, pid in zip(self.persons, self.person_ids, strict=True):
            name, female = self.person_names[person.index]
            for stay in sorted(person.stays, key=lambda s: s.start):
                est, profile = stay.est, stay.est.profile
                a_table.rows.append(
                    (
                        self.next_id(Admission),
                        self.uuid(rng),
                        pid,
                        est.id,
                        stay.unit_id,
                        stay.mode,
                        self.d(stay.start),
                        self.d(stay.end),
                        stay.exit,
                        "",
                    )
                )
                default_bag = self.prestation_bag(profile.prestations)
                segments = [(stay.start, default_bag)]
                segments += self._projets(rng, stay, pid, default_bag)
                end = stay.end if stay.end is not None else today
                if end < ws:
                    continue
                if profile.public not in pools_by_public:
                    pools_by_public[profile.public] = texts.build_note_pools(profile.public)
                short = stay.mode == SupportMode.ACCUEIL_TEMPORAIRE
                self.episodes.append(
                    Episode(
                        pid,
                        est.id,
                        max(stay.start, ws),
                        end,
                        profile.weekdays_only and stay.mode != SupportMode.INTERNAT,
                        profile.services_per_week / 7,
                        profile.notes_per_week * (1.5 if short else 1) / 7,
                        segments,
                        name,
                        female,
                        pools_by_public[profile.public],
                        weighted_bag({str(category): w for category, w in profile.note_categories.items()}),
                        profile.note_hours,
                    )
                )

    def _records_tables(self) -> None:
        self.table(
            NeedsAssessment,
            ("id", "uuid", "person_id", "establishment_id", "date", "assessed_by_id", "comment"),
        )
        self.table(Need, ("id", "uuid", "assessment_id", "concept_id", "intensity", "comment"))
        self.table(
            ProjetPersonnalise,
            (
                "id",
                "uuid",
                "person_id",
                "establishment_id",
                "date",
                "status",
                "review_date",
                "person_words",
                "author_id",
                "agreed_at",
            ),
        )
        self.table(Goal, ("id", "uuid", "projet_id", "title", "description"))
        self.table(Goal.needs.through, ("id", "goal_id", "concept_id"))
        self.table(
            PlannedService,
            (
                "id",
                "uuid",
                "projet_id",
                "goal_id",
                "concept_id",
                "frequency_count",
                "frequency_period",
                "comment",
            ),
        )

    def _author(self, rng, est: EstPlan, ordinal: int) -> int:
        day = date.fromordinal(ordinal)
        staff = self.staff_for(est.id, day.year * 12 + day.month - 1, REFERENT_PROFESSIONS)
        return staff[int(rng.random() * len(staff))] if staff else est.director_id

    def _projets(self, rng, stay: Stay, pid: int, default_bag) -> list[tuple[int, tuple]]:
        """Yearly needs assessment and projet personnalisé; returns the service plan segments."""
        est, profile = stay.est, stay.est.profile
        end = stay.end if stay.end is not None else self.today_o
        first = stay.start + rng.randint(45, 90)
        if first > end:
            return []
        horizon = self.window_start_o - 365
        if first < horizon:
            first += ((horizon - first) // 365 + 1) * 365
        dates = list(range(first, end + 1, 365))
        t = self.tables
        needs_codes = [c for c in profile.needs if c in self.nom.needs] or list(self.nom.needs)
        weights = [profile.needs.get(c, 1) for c in needs_codes]
        profile_codes = {c for c in profile.prestations if c in self.nom.prestations}
        segments = []
        for k, projet_date in enumerate(dates):
            projet_date = min(projet_date + rng.randint(-20, 20), end, self.today_o)
            assessed = max(stay.start, projet_date - rng.randint(3, 25))
            aid = self.next_id(NeedsAssessment)
            t[NeedsAssessment].rows.append(
                (
                    aid,
                    self.uuid(rng),
                    pid,
                    est.id,
                    self.d(assessed),
                    self._author(rng, est, assessed),
                    rng.choice(texts.ASSESSMENT_COMMENTS) if rng.random() < 0.6 else "",
                )
            )
            chosen: list[str] = []
            for _ in range(rng.randint(3, 7) * 2):
                code = rng.choices(needs_codes, weights)[0]
                if code not in chosen:
                    chosen.append(code)
                if len(chosen) >= 7:
                    break
            for code in chosen:
                need_id = self.next_id(Need)
                t[Need].rows.append(
                    (
                        need_id,
                        self.row_uuid(Need, need_id),
                        aid,
                        self.nom.needs[code],
                        rng.choices((1, 2, 3, 4), (2, 4, 3, 1))[0],
                        "",
                    )
                )
            last = k == len(dates) - 1
            if not last or stay.end is not None:
                status = ProjetStatus.AGREED
            else:
                status = rng.choices(ProjetStatus.values, (8, 12, 62, 18))[
                    0
                ]  # draft, proposed, agreed, review
            agreed_at = None
            if status in (ProjetStatus.AGREED, ProjetStatus.UNDER_REVIEW):
                agreed_at = self.moment(min(projet_date + rng.randint(1, 25), self.today_o), rng)
            prid = self.next_id(ProjetPersonnalise)
            words = rng.choice(texts.PERSON_WORDS) if rng.random() < 0.7 else ""
            t[ProjetPersonnalise].rows.append(
                (
                    prid,
                    self.uuid(rng),
                    pid,
                    est.id,
                    self.d(projet_date),
                    status,
                    self.d(projet_date + 365),
                    words,
                    self._author(rng, est, projet_date),
                    agreed_at,
                )
            )
            per_week: dict[int, float] = defaultdict(float)
            n_goals = min(len(chosen), rng.randint(2, 4))
            for g in range(n_goals):
                gid = self.next_id(Goal)
                targets = [chosen[g]] + ([chosen[g + n_goals]] if g + n_goals < len(chosen) else [])
                title = rng.choice(texts.GOAL_TITLES.get(targets[0], ("Objectif de l'accompagnement",)))
                t[Goal].rows.append((gid, self.row_uuid(Goal, gid), prid, title, ""))
                for code in targets:
                    t[Goal.needs.through].rows.append(
                        (self.next_id(Goal.needs.through), gid, self.nom.needs[code])
                    )
                answers = [
                    c
                    for code in targets
                    for c in pr.NEED_PRESTATIONS.get(code, ())
                    if c in self.nom.prestations
                ]
                answers = [c for c in answers if c in profile_codes] or answers or sorted(profile_codes)
                for code in dict.fromkeys(answers[: rng.randint(1, 2)]):
                    if stay.mode == SupportMode.MILIEU_ORDINAIRE or stay.mode == SupportMode.SEMI_INTERNAT:
                        period = rng.choice(
                            (FrequencyPeriod.WEEK, FrequencyPeriod.WEEK, FrequencyPeriod.MONTH)
                        )
                    else:
                        period = rng.choice((FrequencyPeriod.DAY, FrequencyPeriod.WEEK, FrequencyPeriod.WEEK))
                    count = rng.randint(1, 3 if period == FrequencyPeriod.DAY else 5)
                    planned_id = self.next_id(PlannedService)
                    t[PlannedService].rows.append(
                        (
                            planned_id,
                            self.row_uuid(PlannedService, planned_id),
                            prid,
                            gid,
                            self.nom.prestations[code],
                            count,
                            period,
                            rng.choice(texts.PLAN_COMMENTS),
                        )
                    )
                    per_week[self.nom.prestations[code]] += count * PERIOD_PER_WEEK[period]
            if per_week:
                bag = weighted_bag(per_week, 30) + default_bag[: len(default_bag) // 3]
                segments.append((projet_date, bag))
        return segments

    # -- service log and notes, month by month ------------------------------------------------------

    def activity_factors(self) -> tuple[float, float]:
        """Scale activity so the department set reaches its announced volumes."""
        services = sum(e.services_per_day * (e.end - e.start + 1) for e in self.episodes)
        notes = sum(e.notes_per_day * (e.end - e.start + 1) for e in self.episodes)
        s_factor = self.scale.services / services if self.scale.services and services else 1.0
        n_factor = self.scale.notes / notes if self.scale.notes and notes else 1.0
        return s_factor, n_factor

    def expected_activity(self) -> tuple[int, int]:
        s_factor, n_factor = self.activity_factors()
        services = sum(e.services_per_day * (e.end - e.start + 1) for e in self.episodes) * s_factor
        notes = sum(e.notes_per_day * (e.end - e.start + 1) for e in self.episodes) * n_factor
        return round(services), round(notes)

    def history_months(self):
        return [
            (n, max(low, self.window_start_o), min(high, self.today_o))
            for n, low, high in self.months
            if high >= self.window_start_o
        ]

    def _episodes_by_month(self):
        months = self.history_months()
        buckets: dict[int, list[Episode]] = {n: [] for n, _, _ in months}
        for episode in self.episodes:
            for n, low, high in months:
                if episode.start <= high and episode.end >= low:
                    buckets[n].append(episode)
        return months, buckets

    def services_by_month(self):
        """Yield, month after month, the month's service-log rows sorted by day: (day ordinal, uuid int,
        minutes, group, prestation id, establishment id, person id, professional id)."""
        rng = self.rng("services")
        rand, bits = rng.random, rng.getrandbits
        from parcours.demo.identifiers import UUID_BITS, UUID_MASK

        factor, _ = self.activity_factors()
        info = self.prestation_info
        staff_for = self.staff_for
        months, buckets = self._episodes_by_month()
        for number, low, high in months:
            rows = []
            append = rows.append
            for e in buckets[number]:
                lo = e.start if e.start > low else low
                hi = e.end if e.end < high else high
                span = hi - lo + 1
                x = e.services_per_day * factor * span
                n = int(x)
                if rand() < x - n:
                    n += 1
                if not n:
                    continue
                bag = e.segments[0][1]
                for since, segment_bag in e.segments:
                    if since <= hi:
                        bag = segment_bag
                size = len(bag)
                weekdays = e.weekdays_only
                est, person = e.est_id, e.person_id
                for _ in range(n):
                    day = lo + int(rand() * span)
                    if weekdays:
                        weekday = (day - 1) % 7
                        if weekday > 4:
                            day -= weekday - 4
                            if day < lo:
                                day += 3
                                if day > hi:
                                    continue
                    concept = bag[int(rand() * size)]
                    durations, group_share, professions = info[concept]
                    staff = staff_for(est, number, professions)
                    append(
                        (
                            day,
                            (bits(128) & UUID_MASK) | UUID_BITS,
                            durations[int(rand() * len(durations))],
                            group_share > 0 and rand() < group_share,
                            concept,
                            est,
                            person,
                            staff[int(rand() * len(staff))] if staff else None,
                        )
                    )
            rows.sort(key=itemgetter(0))
            yield rows

    def notes_by_month(self):
        """Yield, month after month, the month's notes sorted by time:
        (day ordinal, minute of the day, uuid int, category, text, author id, establishment id, person id,
        shareable)."""
        rng = self.rng("notes")
        rand, bits = rng.random, rng.getrandbits
        from parcours.demo.identifiers import UUID_BITS, UUID_MASK

        _, factor = self.activity_factors()
        staff_for = self.staff_for
        now = timezone.localtime(self.now)
        now_minute = now.hour * 60 + now.minute
        today = self.today_o
        shareable = NOTE_SHAREABLE
        months, buckets = self._episodes_by_month()
        for number, low, high in months:
            rows = []
            append = rows.append
            for e in buckets[number]:
                lo = e.start if e.start > low else low
                hi = e.end if e.end < high else high
                span = hi - lo + 1
                x = e.notes_per_day * factor * span
                n = int(x)
                if rand() < x - n:
                    n += 1
                if not n:
                    continue
                staff = staff_for(e.est_id, number, None)
                if not staff:
                    continue
                h0, h1 = e.note_hours[0] * 60, e.note_hours[1] * 60
                width = h1 - h0
                bag, female, name = e.note_bag, e.female, e.name
                for _ in range(n):
                    day = lo + int(rand() * span)
                    if e.weekdays_only and (day - 1) % 7 > 4:
                        day -= (day - 1) % 7 - 4
                        if day < lo:
                            continue
                    minute = h0 + int(rand() * width)
                    if day == today and minute >= now_minute:
                        continue
                    category = bag[int(rand() * len(bag))]
                    openings, bodies, closings = e.pools[category]
                    opening = openings[female][int(rand() * len(openings[female]))]
                    body = bodies[female][int(rand() * len(bodies[female]))]
                    closing = closings[int(rand() * len(closings))]
                    text = (
                        f"{opening[0]}{name}{opening[1]} {body} {closing}"
                        if closing
                        else (f"{opening[0]}{name}{opening[1]} {body}")
                    )
                    append(
                        (
                            day,
                            minute,
                            (bits(128) & UUID_MASK) | UUID_BITS,
                            category,
                            text,
                            staff[int(rand() * len(staff))],
                            e.est_id,
                            e.person_id,
                            rand() < shareable[category],
                        )
                    )
            rows.sort(key=itemgetter(0, 1))
            yield rows


def expected_person_names(scale_name: str, seed: int, today: date | None = None) -> list[tuple[str, str]]:
    """The (birth name, first names) the generator gives, in order, without writing anything."""
    generator = DemoGenerator(SCALES[scale_name], seed, Nomenclature.load(), today=today)
    generator.plan()
    return [(row[2], row[3]) for row in generator.tables[Person].rows]
