"""The only code that writes a person's identity, relatives, protection measures, deficiencies and
MDPH decisions. Every function takes the acting user as `actor`, asks the access policy before
writing (which leaves an access-log entry), validates with the model rules, and runs in one
transaction: a refused or invalid write leaves the database as it was.
"""

import datetime
import difflib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from parcours.access import policy
from parcours.access.api import (
    Action,
    Actor,
    Category,
    atomic_service,
    log_listing,
    require,
    visible_persons,
)
from parcours.core.text import fold
from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment
from parcours.people.models import (
    EDITABLE_FIELDS,
    Deficiency,
    LegalProtection,
    MdphDecision,
    Person,
    Relative,
)
from parcours.privacy.services import record_rectifications
from parcours.staff.models import Professional

DEFICIENCIES = "deficiences"
FINESS_CATEGORIES = "finess-categories"

NO_PROFESSIONAL = (
    "Votre compte n'est rattaché à aucune fiche de professionnel : il ne permet pas d'écrire dans un "
    "dossier. Demandez à votre direction de rattacher votre compte."
)
HIDDEN_DUPLICATE = (
    "Une identité proche existe peut-être dans une autre structure ; vérifiez avec la cellule "
    "d'identitovigilance."
)

PERSON_FIELDS = set(EDITABLE_FIELDS)
RELATIVE_FIELDS = {
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
}


def professional_of(actor: Actor) -> Professional:
    """The staff record of the acting user: only a professional writes in a record."""
    try:
        professional = actor.user.professional
    except (AttributeError, Professional.DoesNotExist):
        professional = None
    if professional is None:
        raise PermissionDenied(NO_PROFESSIONAL)
    return professional


def require_writable_establishment(actor: Actor, establishment: Establishment) -> None:
    """Writing in an establishment's name needs a current membership of its team or direction."""
    if not policy.writable_establishments(actor.user).filter(pk=establishment.pk).exists():
        raise PermissionDenied("Vous ne pouvez pas écrire au nom de cet établissement.")


def _unknown_fields(data: dict, allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"Champs inconnus : {', '.join(sorted(unknown))}")


# Identity


@atomic_service
def create_person(*, establishment: Establishment, actor: Actor, **traits) -> Person:
    """Open a person's record in the name of `establishment`.

    The opening team sees the record as long as the person is admitted nowhere (pre-admission).
    """
    professional_of(actor)
    require_writable_establishment(actor, establishment)
    _unknown_fields(traits, PERSON_FIELDS)
    person = Person(opened_by=establishment, **traits)
    person.full_clean()
    person.save()
    # Decided once the record exists: the opening team's basis is the record itself.
    require(actor, person, Category.IDENTITY, Action.CREATE, obj=person)
    return person


@atomic_service
def update_person(person: Person, *, actor: Actor, reason: str = "", **changes) -> Person:
    """Change identity traits, contact details or the GIR. Each trait that actually changes keeps
    its previous value in the history of rectifications (`privacy.Rectification`), with who changed
    it, when and why (`reason`), in the same transaction."""
    professional_of(actor)
    require(actor, person, Category.IDENTITY, Action.UPDATE, obj=person)
    _unknown_fields(changes, PERSON_FIELDS)
    # The stored values: a form bound to `person` may already have set the new ones on it.
    before = Person.objects.select_for_update().get(pk=person.pk)
    for name, value in changes.items():
        setattr(person, name, value)
    person.full_clean()
    record_rectifications(before, person, actor=actor, reason=reason)
    person.save()
    return person


# Identity vigilance


@dataclass
class DuplicateCheck:
    """Likely duplicates of an identity being entered: those the actor may see, and whether
    another likely duplicate exists outside the actor's scope (without any detail on it)."""

    candidates: list[Person] = field(default_factory=list)
    hidden_match: bool = False

    def __bool__(self) -> bool:
        return bool(self.candidates) or self.hidden_match

    @property
    def hidden_message(self) -> str:
        return HIDDEN_DUPLICATE if self.hidden_match else ""


def is_similar_identity(person: Person, birth_name: str, first_names: str) -> bool:
    """Same folded birth name (or used name); or same first first name and close birth names."""
    name = fold(birth_name)
    if not name:
        return False
    if name in {fold(person.birth_name), fold(person.used_name)}:
        return True
    first = (fold(first_names).split() or [""])[0]
    their_first = (fold(person.first_names).split() or [""])[0]
    if first and first == their_first:
        return difflib.SequenceMatcher(None, name, fold(person.birth_name)).ratio() >= 0.8
    return False


def find_duplicates(
    actor: Actor,
    birth_name: str,
    first_names: str,
    birth_date: datetime.date,
    *,
    exclude: Person | None = None,
) -> DuplicateCheck:
    """Persons born the same day with a similar name. Only persons the actor may see are returned
    (and their display is logged); a match elsewhere is only signalled."""
    same_day = Person.objects.filter(birth_date=birth_date)
    if exclude is not None:
        same_day = same_day.exclude(pk=exclude.pk)
    similar = [
        p
        for p in same_day.only("pk", "birth_name", "used_name", "first_names")
        if is_similar_identity(p, birth_name, first_names)
    ]
    if not similar:
        return DuplicateCheck()
    visible = list(visible_persons(actor.user).filter(pk__in=[p.pk for p in similar]))
    if visible:
        log_listing(actor, visible, action=Action.SEARCH, details={"reason": "identity_vigilance"})
    return DuplicateCheck(candidates=visible, hidden_match=len(visible) < len(similar))


# Relatives and legal protection


@atomic_service
def add_relative(person: Person, *, actor: Actor, **data) -> Relative:
    professional_of(actor)
    _unknown_fields(data, RELATIVE_FIELDS)
    relative = Relative(person=person, **data)
    require(actor, person, Category.IDENTITY, Action.CREATE, obj=relative)
    relative.full_clean()
    relative.save()
    return relative


@atomic_service
def update_relative(relative: Relative, *, actor: Actor, **changes) -> Relative:
    professional_of(actor)
    require(actor, relative.person, Category.IDENTITY, Action.UPDATE, obj=relative)
    _unknown_fields(changes, RELATIVE_FIELDS)
    for name, value in changes.items():
        setattr(relative, name, value)
    relative.full_clean()
    relative.save()
    return relative


@atomic_service
def add_legal_protection(
    person: Person,
    *,
    measure: str,
    start_date: datetime.date,
    actor: Actor,
    representative_kind: str = "family",
    representative_relative: Relative | None = None,
    representative_name: str = "",
    end_date: datetime.date | None = None,
    court_reference: str = "",
) -> LegalProtection:
    professional_of(actor)
    protection = LegalProtection(
        person=person,
        measure=measure,
        start_date=start_date,
        end_date=end_date,
        representative_kind=representative_kind,
        representative_relative=representative_relative,
        representative_name=representative_name,
        court_reference=court_reference,
    )
    require(actor, person, Category.IDENTITY, Action.CREATE, obj=protection)
    protection.full_clean()
    protection.save()
    return protection


# Deficiencies and MDPH decisions


def _check_coded(concept: Concept | None, system_slug: str, field_name: str, errors: dict) -> None:
    if concept is None:
        return
    if concept.system.slug != system_slug:
        errors[field_name] = "Ce code n'appartient pas à la nomenclature attendue."
    elif not concept.active or not concept.label:
        errors[field_name] = "Ce code n'est pas utilisable (inactif ou sans libellé publié)."


@atomic_service
def set_deficiencies(
    person: Person, *, main: Concept | None, associated: list[Concept], actor: Actor
) -> list[Deficiency]:
    """Replace the person's deficiencies: at most one main deficiency, plus associated ones."""
    professional_of(actor)
    require(actor, person, Category.IDENTITY, Action.UPDATE, obj=person)
    errors: dict = {}
    _check_coded(main, DEFICIENCIES, "main", errors)
    for concept in associated:
        _check_coded(concept, DEFICIENCIES, "associated", errors)
    if main is not None and any(concept.pk == main.pk for concept in associated):
        errors["associated"] = "La déficience principale ne peut pas être aussi une déficience associée."
    if errors:
        raise ValidationError(errors)
    Deficiency.objects.filter(person=person).delete()
    rows = []
    if main is not None:
        rows.append(Deficiency(person=person, concept=main, is_main=True))
    seen = set()
    for concept in associated:
        if concept.pk not in seen:
            seen.add(concept.pk)
            rows.append(Deficiency(person=person, concept=concept, is_main=False))
    return Deficiency.objects.bulk_create(rows)


@atomic_service
def add_mdph_decision(
    person: Person,
    *,
    decision_type: str,
    decision_date: datetime.date,
    start_date: datetime.date,
    actor: Actor,
    end_date: datetime.date | None = None,
    orientation_category: Concept | None = None,
    reference: str = "",
    department_code: str = "",
) -> MdphDecision:
    professional_of(actor)
    decision = MdphDecision(
        person=person,
        decision_type=decision_type,
        decision_date=decision_date,
        start_date=start_date,
        end_date=end_date,
        orientation_category=orientation_category,
        reference=reference,
        department_code=department_code,
    )
    require(actor, person, Category.IDENTITY, Action.CREATE, obj=decision)
    errors: dict = {}
    _check_coded(orientation_category, FINESS_CATEGORIES, "orientation_category", errors)
    if errors:
        raise ValidationError(errors)
    decision.full_clean()
    decision.save()
    return decision
