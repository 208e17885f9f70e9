"""The projet personnalisé in the person's space, in plain language: the current projet of each
establishment (its latest version), the person's (or their legal representative's) agreement or
request for changes, comments, and the history of the versions with their answers.

Rules: reading needs the power "projet" (the person, a legal representative, a relative with the
right); agreeing and asking for changes need the power "agree" (the person, a legal representative:
never a relative), commenting the power "projet". Pages open the space through `open_portal` (404
and the refusal logged otherwise) under the category "projet"; answers are written by
`records.services.respond_to_projet`, which decides and logs the write.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from parcours.access.api import Action, Actor, Category, open_portal
from parcours.access.enums import PortalPower, PortalRole
from parcours.portal.forms_projet import AgreeForm, ChangesForm, CommentForm
from parcours.portal.pages import first_name, render_portal
from parcours.records import projet_versions, services
from parcours.records.enums import ProjetResponseKind, ProjetStatus, ResponseCapacity
from parcours.records.models import ProjetPersonnalise, ProjetResponse, ProjetVersion

FORMS = {
    ProjetResponseKind.AGREE: AgreeForm,
    ProjetResponseKind.CHANGES: ChangesForm,
    ProjetResponseKind.COMMENT: CommentForm,
}
SUCCESS = {
    ProjetResponseKind.AGREE: "Merci. Votre accord est enregistré : le projet est validé.",
    ProjetResponseKind.CHANGES: (
        "Votre demande est envoyée à l'équipe. Le projet reste proposé : "
        "l'équipe vous proposera une nouvelle version."
    ),
    ProjetResponseKind.COMMENT: "Votre commentaire est enregistré. L'équipe va le lire.",
}
POWER = {
    ProjetResponseKind.AGREE: PortalPower.AGREE,
    ProjetResponseKind.CHANGES: PortalPower.AGREE,
    ProjetResponseKind.COMMENT: PortalPower.PROJET,
}


def who(response: ProjetResponse, request, link, person) -> str:
    """Who gave an answer, seen from the person's space: "vous", the person's first name, their
    legal representative, a relative's first name, or the team (an agreement collected on paper)."""
    if response.author_id == request.user.pk:
        return "vous"
    if response.capacity == ResponseCapacity.PERSON:
        return first_name(person)
    if response.capacity == ResponseCapacity.REPRESENTATIVE:
        if link.role == PortalRole.PERSON:
            return "votre représentant légal"
        return f"le représentant légal de {first_name(person)}"
    if response.capacity == ResponseCapacity.RELATIVE:
        return response.author.first_name or "un proche"
    return "l'équipe (accord recueilli sur papier)"


@dataclass
class Answer:
    response: ProjetResponse
    who: str


@dataclass
class ShownVersion:
    version: ProjetVersion
    text: projet_versions.VersionText
    answers: list[Answer]

    @property
    def agreement(self) -> Answer | None:
        return next((a for a in self.answers if a.response.kind == ProjetResponseKind.AGREE), None)

    @property
    def change_requests(self) -> list[Answer]:
        return [a for a in self.answers if a.response.kind == ProjetResponseKind.CHANGES]


@dataclass
class ShownProjet:
    projet: ProjetPersonnalise
    current: ShownVersion
    forms: dict = field(default_factory=dict)

    @property
    def awaits_answer(self) -> bool:
        return self.projet.status == ProjetStatus.PROPOSED


def responses_prefetch() -> Prefetch:
    return Prefetch(
        "responses",
        queryset=ProjetResponse.objects.select_related("author", "protection").order_by("at", "pk"),
    )


def shown_version(version: ProjetVersion, request, link, person) -> ShownVersion:
    return ShownVersion(
        version=version,
        text=projet_versions.read_version(version),
        answers=[Answer(r, who(r, request, link, person)) for r in version.responses.all()],
    )


def shown_projets(person, request, link) -> list[ShownProjet]:
    """One projet per establishment: the latest one the space shows (proposed, agreed or under
    review, and proposed at least once), with its latest version."""
    candidates = (
        ProjetPersonnalise.objects.filter(person=person, status__in=projet_versions.SHOWN_STATUSES)
        .filter(Exists(ProjetVersion.objects.filter(projet=OuterRef("pk"))))
        .select_related("establishment")
        .order_by("establishment__name", "establishment_id", "-date", "-pk")
    )
    shown, seen = [], set()
    for projet in candidates:
        if projet.establishment_id in seen:
            continue
        seen.add(projet.establishment_id)
        version = projet.versions.prefetch_related(responses_prefetch()).order_by("-number").first()
        shown.append(ShownProjet(projet, shown_version(version, request, link, person)))
    return shown


def blank_forms(item: ShownProjet, powers) -> dict:
    initial = {"version": item.current.version.number}
    forms = {}
    if item.awaits_answer and PortalPower.AGREE in powers:
        forms["agree"] = AgreeForm(initial=initial, projet=item.projet)
        forms["changes"] = ChangesForm(initial=initial, projet=item.projet)
    forms["comment"] = CommentForm(initial=initial, projet=item.projet)
    return forms


def render_projet_page(request, person, link, bound=None):
    """The page; `bound` = (projet, kind, form) to show a form sent back with its errors."""
    items = shown_projets(person, request, link)
    for item in items:
        item.forms = blank_forms(item, link.powers)
        if bound and bound[0].pk == item.projet.pk:
            item.forms[bound[1]] = bound[2]
    return render_portal(
        request, "portal/projet/projet.html", person, link, PortalPower.PROJET, {"items": items}
    )


@require_GET
def projet(request, person_uuid):
    person, link = open_portal(Actor.from_request(request), person_uuid, PortalPower.PROJET, Category.PROJET)
    return render_projet_page(request, person, link)


def answer(request, person_uuid, projet_uuid, kind: str):
    actor = Actor.from_request(request)
    person, link = open_portal(actor, person_uuid, POWER[kind], Category.PROJET)
    projet = get_object_or_404(ProjetPersonnalise.objects.filter(person=person), uuid=projet_uuid)
    form = FORMS[kind](request.POST, projet=projet)
    if not form.is_valid():
        if "version" in form.errors:
            raise Http404("Version introuvable.")
        return render_projet_page(request, person, link, bound=(projet, kind, form))
    try:
        services.respond_to_projet(
            projet,
            version_number=form.cleaned_data["version"],
            kind=kind,
            actor=actor,
            text=form.cleaned_data.get("text", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, SUCCESS[kind])
    return redirect("portal:projet", person_uuid=person.uuid)


@require_POST
def projet_agree(request, person_uuid, projet_uuid):
    return answer(request, person_uuid, projet_uuid, ProjetResponseKind.AGREE)


@require_POST
def projet_changes(request, person_uuid, projet_uuid):
    return answer(request, person_uuid, projet_uuid, ProjetResponseKind.CHANGES)


@require_POST
def projet_comment(request, person_uuid, projet_uuid):
    return answer(request, person_uuid, projet_uuid, ProjetResponseKind.COMMENT)


def proposed_projet_or_404(person, projet_uuid) -> ProjetPersonnalise:
    """A projet of this person that was proposed in the space at least once."""
    queryset = ProjetPersonnalise.objects.filter(person=person).filter(
        Exists(ProjetVersion.objects.filter(projet=OuterRef("pk")))
    )
    return get_object_or_404(queryset.select_related("establishment"), uuid=projet_uuid)


@require_GET
def projet_history(request, person_uuid, projet_uuid):
    """Every version proposed, newest first, each with the answers it received."""
    person, link = open_portal(
        Actor.from_request(request), person_uuid, PortalPower.PROJET, Category.PROJET, Action.READ
    )
    projet = proposed_projet_or_404(person, projet_uuid)
    versions = [
        shown_version(version, request, link, person)
        for version in projet.versions.prefetch_related(responses_prefetch()).order_by("-number")
    ]
    return render_portal(
        request,
        "portal/projet/history.html",
        person,
        link,
        PortalPower.PROJET,
        {"projet": projet, "versions": versions, "latest_number": versions[0].version.number},
    )


@require_GET
def projet_version(request, person_uuid, projet_uuid, number):
    """One version in full, as the person was shown it, with its answers."""
    person, link = open_portal(Actor.from_request(request), person_uuid, PortalPower.PROJET, Category.PROJET)
    projet = proposed_projet_or_404(person, projet_uuid)
    version = get_object_or_404(projet.versions.prefetch_related(responses_prefetch()), number=number)
    latest = projet_versions.latest_version(projet)
    return render_portal(
        request,
        "portal/projet/version.html",
        person,
        link,
        PortalPower.PROJET,
        {
            "projet": projet,
            "shown": shown_version(version, request, link, person),
            "is_latest": latest.pk == version.pk,
        },
    )
