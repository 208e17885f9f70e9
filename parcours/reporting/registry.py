"""The indicator registry: what each indicator means, where it applies, and how it is computed.

An indicator is declared once, with its French label, its definition in plain words, its formula,
its unit, the scopes where it makes sense and its source, and a function `compute(scope, period)`.
The same function serves every scope (an establishment, a gestionnaire, a department, a region):
it filters the domain's rows on `scope.establishments()`, so an indicator cannot mean one thing for
an establishment and another for a region.

Indicator codes are Parcours' own identifiers (lower-case slugs); they are not the codes of the
ANAP tableau de bord, whose official list has not been read (docs: anap-indicators reference).
A formula taken from usage and not checked against a published guide says so in its definition and
its source (`UNVERIFIED_ANAP`).

Results are plain Python data: a number (or None when it cannot be computed, such as an average over
nothing), or a list of (label, value) rows for a breakdown, in a stable order and with zero rows
kept, ready for a table. They never hold personal data: only counts and aggregates.

Reporting reads the domains; the domains never import it.
"""

import datetime
import enum
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from parcours.organisations.models import Establishment

UNVERIFIED_ANAP = "définition usuelle, non vérifiée (ANAP)"
OWN_DEFINITION = "définition propre à Parcours (aucune source de référence)"

Row = tuple[str, int | float | None]
Value = int | float | None | list[Row]


class ScopeKind(enum.StrEnum):
    ESTABLISHMENT = "establishment"
    GESTIONNAIRE = "gestionnaire"
    DEPARTMENT = "department"
    REGION = "region"

    @property
    def label(self) -> str:
        return {
            ScopeKind.ESTABLISHMENT: "établissement ou service",
            ScopeKind.GESTIONNAIRE: "organisme gestionnaire",
            ScopeKind.DEPARTMENT: "département",
            ScopeKind.REGION: "région",
        }[self]


ALL_SCOPES = frozenset(ScopeKind)


class Disclosure(enum.StrEnum):
    """How a value is published to a viewer who must not see small groups of persons (an authority,
    or a director looking beyond their own structures): see `parcours.reporting.publication`."""

    # The value, or each row, counts persons or acts about persons (admissions, prestations, days):
    # a count below the disclosure threshold is masked, with secondary masking so that none can be
    # recomputed from the others and the total.
    COUNT = "count"
    # A rate, an average or an amount computed over a population of persons: masked wherever that
    # population (the indicator named by `base`, row by row when both are breakdowns with the same
    # labels) is below the threshold or itself masked.
    MEASURE = "measure"
    # Not about persons (places, money): never masked.
    PUBLIC = "public"


@dataclass(frozen=True)
class Scope:
    """What an indicator is computed on: one establishment or service (its primary key), one
    gestionnaire (its primary key), one department (its code, e.g. "69", "2A", "971") or one region
    (its code, e.g. "84").

    A scope of several establishments may be narrowed to one FINESS category (`category`, the code
    of a concept of the "finess-categories" system): its establishments are then those of that
    category only. An establishment scope ignores it (always empty)."""

    kind: ScopeKind
    identifier: int | str
    category: str = ""

    def __post_init__(self):
        object.__setattr__(self, "kind", ScopeKind(self.kind))
        if self.kind in (ScopeKind.ESTABLISHMENT, ScopeKind.GESTIONNAIRE):
            object.__setattr__(self, "identifier", int(self.identifier))
        else:
            object.__setattr__(self, "identifier", str(self.identifier).strip().upper())
        category = "" if self.kind == ScopeKind.ESTABLISHMENT else str(self.category or "").strip()
        object.__setattr__(self, "category", category)

    def with_category(self, category: str) -> "Scope":
        """The same scope narrowed to a FINESS category (none when `category` is empty)."""
        return Scope(self.kind, self.identifier, category)

    @property
    def unfiltered(self) -> "Scope":
        return self.with_category("")

    @classmethod
    def establishment(cls, establishment) -> "Scope":
        return cls(ScopeKind.ESTABLISHMENT, getattr(establishment, "pk", establishment))

    @classmethod
    def gestionnaire(cls, gestionnaire) -> "Scope":
        return cls(ScopeKind.GESTIONNAIRE, getattr(gestionnaire, "pk", gestionnaire))

    @classmethod
    def department(cls, code: str) -> "Scope":
        return cls(ScopeKind.DEPARTMENT, code)

    @classmethod
    def region(cls, code: str) -> "Scope":
        return cls(ScopeKind.REGION, code)

    def establishments(self) -> QuerySet:
        """The establishments and services the scope covers, closed ones included (a past period
        still counts their activity)."""
        lookup = {
            ScopeKind.ESTABLISHMENT: "pk",
            ScopeKind.GESTIONNAIRE: "gestionnaire_id",
            ScopeKind.DEPARTMENT: "department_code",
            ScopeKind.REGION: "region_code",
        }[self.kind]
        establishments = Establishment.objects.filter(**{lookup: self.identifier})
        if self.category:
            establishments = establishments.filter(category__code=self.category)
        return establishments


@dataclass(frozen=True)
class Period:
    """A period of days, both bounds included."""

    start: datetime.date
    end: datetime.date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("La fin de la période précède son début.")

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    definition: str
    formula: str
    unit: str
    scopes: frozenset[ScopeKind]
    source: str
    compute: Callable[[Scope, Period], Value] = field(repr=False)
    disclosure: Disclosure = Disclosure.COUNT
    base: str | None = None

    def applies_to(self, scope: Scope) -> bool:
        return scope.kind in self.scopes

    def evaluate(self, scope: Scope, period: Period) -> Value:
        if not self.applies_to(scope):
            raise ValueError(f"L'indicateur {self.code} n'a pas de sens à l'échelle : {scope.kind.label}.")
        return self.compute(scope, period)


_REGISTRY: dict[str, Indicator] = {}


def register(
    *,
    code: str,
    label: str,
    definition: str,
    formula: str,
    unit: str,
    source: str,
    scopes=ALL_SCOPES,
    disclosure: Disclosure = Disclosure.COUNT,
    base: str | None = None,
):
    """Declare the decorated function `compute(scope, period)` as an indicator.

    `disclosure` says how the value is masked for viewers who must not see small groups (COUNT by
    default, the safe choice); a MEASURE names in `base` the COUNT indicator of its population."""

    def decorator(compute):
        if code in _REGISTRY:
            raise ValueError(f"Indicateur déjà déclaré : {code}")
        if not (label and definition and formula and unit and source):
            raise ValueError(f"Déclaration incomplète de l'indicateur {code}.")
        if (Disclosure(disclosure) == Disclosure.MEASURE) != bool(base):
            raise ValueError(f"L'indicateur {code} : une mesure (et elle seule) nomme sa population (base).")
        _REGISTRY[code] = Indicator(
            code=code,
            label=label,
            definition=definition,
            formula=formula,
            unit=unit,
            scopes=frozenset(ScopeKind(kind) for kind in scopes),
            source=source,
            compute=compute,
            disclosure=Disclosure(disclosure),
            base=base,
        )
        return compute

    return decorator


def _load() -> None:
    importlib.import_module("parcours.reporting.indicators")


def get(code: str) -> Indicator:
    _load()
    try:
        return _REGISTRY[code]
    except KeyError:
        raise LookupError(f"Indicateur inconnu : {code}") from None


def all() -> list[Indicator]:
    """Every indicator, in declaration order."""
    _load()
    return list(_REGISTRY.values())
