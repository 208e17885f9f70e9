"""Pages of the person: search, creation with the identity-vigilance step, the person page (identity
and the parcours timeline across structures) and the identity-related forms.

Views are thin: they read through `parcours.access` (scoped querysets, logged reads) and write
through `parcours.people.services`.
"""

import datetime
import re
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from parcours.access import circle, policy
from parcours.access.api import (
    Action,
    Actor,
    Category,
    get_person_or_404,
    log_listing,
    open_person_page,
    require,
    visible_persons,
)
from parcours.access.sharing import sharing_of
from parcours.core.forms import add_validation_errors, save_with
from parcours.core.identifiers import compact
from parcours.core.text import fold
from parcours.people import services
from parcours.people.forms import (
    ConceptCatalogue,
    DeficienciesForm,
    LegalProtectionForm,
    MdphDecisionForm,
    PersonCreateForm,
    PersonEditForm,
    RelativeForm,
)
from parcours.people.models import Person
from parcours.records.timeline import timeline_context

SEARCH_PAGE_SIZE = 25
DATE_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
NIR_RE = re.compile(r"^[12378]\d{4}(\d{2}|2A|2B)\d{6}(\d{2})?$")
PAGE_CATEGORIES = [
    Category.PARCOURS,
    Category.ASSESSMENTS,
    Category.PROJET,
    Category.SERVICES,
    Category.NOTES,
    Category.DOCUMENTS,
]


# Helpers shared with parcours.records.views


def open_person(request, person_uuid, *, write_category: str | None = None) -> tuple[Actor, Person]:
    """The person, for a page that shows their identity (read logged; 404 outside the policy).

    With `write_category`, the page is a form writing that category: a user who may read but not
    write it (a gestionnaire's direction) gets a 403, with the refusal in the access log."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, person_uuid)
    if write_category is not None:
        check_write(actor, person, write_category)
    return actor, person


def check_write(actor: Actor, person: Person, category: str, action: str = Action.CREATE) -> None:
    if not policy.decide(actor.user, person, category, action):
        require(actor, person, category, action)  # logs the refusal and raises AccessDenied (403)
    services.professional_of(actor)


def parse_birth_date(text: str) -> datetime.date | None:
    for pattern, order in ((DATE_DMY, (3, 2, 1)), (DATE_ISO, (1, 2, 3))):
        match = pattern.match(text)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return datetime.date(year, month, day)
            except ValueError:
                return None
    return None


# Search


def search_persons(user, query: str):
    """Visible persons matching a name (accents and case ignored), a birth date, a NIR or a UUID.
    Returns (queryset, kind of search)."""
    persons = visible_persons(user)
    query = query.strip()
    if not query:
        return persons, Action.LIST
    birth_date = parse_birth_date(query)
    if birth_date is not None:
        return persons.filter(birth_date=birth_date), Action.SEARCH
    try:
        return persons.filter(uuid=UUID(query)), Action.SEARCH
    except ValueError:
        pass
    number = compact(query)
    if NIR_RE.match(number):
        return persons.filter(nir__startswith=number), Action.SEARCH
    for word in fold(query).split():
        persons = persons.filter(search_text__contains=word)
    return persons, Action.SEARCH


@require_http_methods(["GET"])
def person_search(request):
    query = request.GET.get("q", "")[:200]
    persons, action = search_persons(request.user, query)
    page = Paginator(persons.order_by("birth_name", "first_names", "pk"), SEARCH_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Never the query itself in the log: it is personal data.
    log_listing(Actor.from_request(request), page.object_list, action=action)
    can_create = policy.writable_establishments(request.user).exists()
    template = (
        "people/includes/search_results.html" if request.headers.get("HX-Request") else "people/search.html"
    )
    return render(request, template, {"query": query, "page": page, "can_create": can_create})


# Creation and edition


@require_http_methods(["GET", "POST"])
def person_create(request):
    actor = Actor.from_request(request)
    establishments = policy.writable_establishments(request.user)
    if not establishments.exists():
        messages.error(request, "Votre compte ne permet d'ouvrir un dossier au nom d'aucun établissement.")
        return redirect("people:search")
    duplicates = None
    form = PersonCreateForm(
        request.POST or None, establishments=establishments, initial={"establishment": establishments.first()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["confirm_distinct"]:
            duplicates = services.find_duplicates(
                actor, data["birth_name"], data["first_names"], data["birth_date"]
            )
        if duplicates:
            form.add_error(
                "confirm_distinct",
                "Vérifiez les identités proches ci-dessous, puis confirmez "
                "qu'il s'agit d'une autre personne.",
            )
        else:
            try:
                person = services.create_person(
                    establishment=data["establishment"], actor=actor, **form.identity_data()
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, f"Le dossier de {person.display_name} est ouvert.")
                return redirect("people:detail", uuid=person.uuid)
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "confirm_field": form["confirm_distinct"],
            "title": "Ouvrir le dossier d'une personne",
            "submit_label": "Ouvrir le dossier",
        },
    )


@require_http_methods(["GET", "POST"])
def person_edit(request, uuid):
    actor, person = open_person(request, uuid)
    check_write(actor, person, Category.IDENTITY, Action.UPDATE)
    form = PersonEditForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(person, actor=actor, reason=form.cleaned_data["reason"], **form.changes())
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, "L'identité est mise à jour.")
            return redirect("people:detail", uuid=person.uuid)
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "person": person,
            "title": "Modifier l'identité",
            "submit_label": "Enregistrer",
        },
    )


# The person page


def format_nir(nir: str) -> str:
    if len(nir) != 15:
        return nir
    return " ".join([nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]])


@require_http_methods(["GET"])
def person_detail(request, uuid):
    actor = Actor.from_request(request)
    person, identity, decisions = open_person_page(actor, uuid, PAGE_CATEGORIES)
    readable = {category for category, decision in decisions.items() if decision}
    hidden = [Category(category).label for category, decision in decisions.items() if not decision]
    sharing = sharing_of(person, request.user)
    # Nobody writes in a record whose processing is restricted (the policy refuses it too).
    can_write = (
        policy.allows(identity.basis, Category.IDENTITY, Action.CREATE) and sharing.restriction is None
    )
    # The export reads the whole record: only bases that may export every category offer it.
    can_export = all(policy.allows(identity.basis, category, Action.EXPORT) for category in Category.values)

    relatives = list(person.relatives.all())
    protections = list(person.protections.select_related("representative_relative"))
    deficiencies = sorted(
        person.deficiencies.select_related("concept"), key=lambda d: (not d.is_main, d.concept.code)
    )
    mdph_decisions = list(person.mdph_decisions.select_related("orientation_category"))

    admissions = []
    if Category.PARCOURS in readable:
        admissions = list(person.admissions.select_related("establishment", "unit"))
    active_admissions = [a for a in admissions if a.is_active]

    documents, more_documents = [], False
    if Category.DOCUMENTS in readable:
        documents = list(person.documents.order_by("-uploaded_at")[:11])
        more_documents = len(documents) > 10
        documents = documents[:10]

    context = {
        "person": person,
        "nir_display": format_nir(person.nir),
        "relatives": relatives,
        "protections": protections,
        "deficiencies": deficiencies,
        "mdph_decisions": mdph_decisions,
        "active_admissions": active_admissions,
        "documents": documents,
        "more_documents": more_documents,
        "readable": readable,
        "hidden_categories": hidden,
        "can_write": can_write,
        "can_export": can_export,
        "can_read_parcours": Category.PARCOURS in readable,
        "can_read_documents": Category.DOCUMENTS in readable,
        "can_read_assessments": Category.ASSESSMENTS in readable,
        "can_read_projet": Category.PROJET in readable,
        "sharing": sharing,
        # The circle's page is for its members only (docs/access.md).
        "circle_member": circle.membership(request.user, person) is not None,
    }
    context.update(timeline_context(request, person, readable, admissions))
    return render(request, "people/person_detail.html", context)


# Relatives, legal protection, deficiencies, MDPH decisions


@require_http_methods(["GET", "POST"])
def relative_form(request, person_uuid, relative_uuid=None):
    actor, person = open_person(request, person_uuid)
    relative = None
    if relative_uuid is not None:
        relative = get_object_or_404(person.relatives.all(), uuid=relative_uuid)
    check_write(actor, person, Category.IDENTITY, Action.UPDATE if relative else Action.CREATE)
    form = RelativeForm(request.POST or None, instance=relative)
    if request.method == "POST" and form.is_valid():
        try:
            if relative is None:
                services.add_relative(person, actor=actor, **form.cleaned_data)
            else:
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                services.update_relative(relative, actor=actor, **changes)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, "Le proche est enregistré.")
            return redirect("people:detail", uuid=person.uuid)
    title = "Modifier un proche" if relative else "Ajouter un proche"
    return render(request, "people/simple_form.html", {"form": form, "person": person, "title": title})


@require_http_methods(["GET", "POST"])
def protection_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.IDENTITY)
    form = LegalProtectionForm(request.POST or None, person=person)
    if save_with(
        request,
        form,
        lambda data: services.add_legal_protection(person, actor=actor, **data),
        success="La mesure de protection est enregistrée.",
    ):
        return redirect("people:detail", uuid=person.uuid)
    return render(
        request,
        "people/simple_form.html",
        {
            "form": form,
            "person": person,
            "title": "Ajouter une mesure de protection",
        },
    )


@require_http_methods(["GET", "POST"])
def deficiencies_edit(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.IDENTITY)
    current = list(person.deficiencies.select_related("concept"))
    initial = {
        "main": next((d.concept.code for d in current if d.is_main), ""),
        "associated": [d.concept.code for d in current if not d.is_main],
    }
    form = DeficienciesForm(
        request.POST or None,
        initial=initial,
        catalogue=ConceptCatalogue(services.DEFICIENCIES, leaves_only=False),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_deficiencies(
                person,
                main=form.cleaned_data["main"],
                associated=form.cleaned_data["associated"],
                actor=actor,
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, "Les déficiences sont enregistrées.")
            return redirect("people:detail", uuid=person.uuid)
    return render(
        request, "people/simple_form.html", {"form": form, "person": person, "title": "Déficiences"}
    )


@require_http_methods(["GET", "POST"])
def mdph_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.IDENTITY)
    catalogue = ConceptCatalogue(services.FINESS_CATEGORIES, leaves_only=False)
    form = MdphDecisionForm(request.POST or None, person=person, catalogue=catalogue)
    if save_with(
        request,
        form,
        lambda data: services.add_mdph_decision(person, actor=actor, **data),
        success="La décision MDPH est enregistrée.",
    ):
        return redirect("people:detail", uuid=person.uuid)
    return render(
        request,
        "people/simple_form.html",
        {
            "form": form,
            "person": person,
            "title": "Ajouter une décision MDPH",
        },
    )
