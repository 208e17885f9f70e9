"""Pages of the waiting lists, under /coordination/: an establishment's list (candidates waiting now
and the recent decisions), a direct registration, the priority of a candidate and the decision that
takes them off the list.

For the team and the direction of the establishment only (`waiting.list_establishments`): anyone
else gets a 404. Every write goes through `parcours.coordination.waiting`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from parcours.access.api import Actor, get_person_or_404, log_listing
from parcours.coordination import waiting
from parcours.coordination.enums import WaitingListPriority
from parcours.coordination.forms_waiting import DecisionForm, PriorityForm, RegisterForm, WaitingFilterForm
from parcours.core.forms import save_with
from parcours.organisations.enums import SupportMode
from parcours.people.enums import MdphDecisionType
from parcours.people.models import MdphDecision
from parcours.people.views import search_persons

SEARCH_PAGE_SIZE = 10


def own_establishment(request, establishment_uuid):
    return get_object_or_404(waiting.list_establishments(request.user), uuid=establishment_uuid)


def list_url(establishment) -> str:
    return reverse("coordination:waiting_list", args=[establishment.uuid])


@require_http_methods(["GET"])
def waiting_list(request, establishment_uuid):
    establishment = own_establishment(request, establishment_uuid)
    actor = Actor.from_request(request)
    filters = WaitingFilterForm(request.GET or None)
    mode, priority = filters.values()
    data = waiting.read_waiting_list(
        establishment, actor=actor, page_number=request.GET.get("page"), mode=mode, priority=priority
    )
    return render(
        request,
        "coordination/waiting/list.html",
        {
            "establishment": establishment,
            "data": data,
            "filters": filters,
            "filtered": bool(mode or priority),
            "priorities": WaitingListPriority.choices,
        },
    )


@require_POST
def waiting_priority(request, entry_uuid):
    actor = Actor.from_request(request)
    entry = waiting.open_entry(actor, entry_uuid)
    form = PriorityForm(request.POST)
    if form.is_valid():
        try:
            waiting.set_priority(entry, actor=actor, priority=form.cleaned_data["priority"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Priorité de {entry.person.display_name} : {entry.get_priority_display().lower()}.",
            )
    else:
        messages.error(request, "Choisissez une priorité.")
    return redirect(list_url(entry.establishment))


@require_http_methods(["GET", "POST"])
def waiting_decide(request, entry_uuid):
    actor = Actor.from_request(request)
    entry = waiting.open_entry(actor, entry_uuid)
    form = DecisionForm(request.POST or None)
    if save_with(
        request,
        form,
        lambda data: waiting.decide(
            entry,
            actor=actor,
            outcome=data["outcome"],
            left_on=data["left_on"],
            decision_note=data["decision_note"],
        ),
        success="La décision est enregistrée : la personne a quitté la liste d'attente.",
    ):
        return redirect(list_url(entry.establishment))
    return render(
        request,
        "coordination/waiting/decide.html",
        {"entry": entry, "establishment": entry.establishment, "form": form},
    )


@require_http_methods(["GET", "POST"])
def waiting_register(request, establishment_uuid):
    """Without a person chosen, a search among the persons the user may see; with one
    (?personne=<uuid>), the form of the registration."""
    establishment = own_establishment(request, establishment_uuid)
    actor = Actor.from_request(request)
    person_uuid = request.POST.get("personne") or request.GET.get("personne", "")
    if not person_uuid:
        query = request.GET.get("q", "")[:200]
        page = None
        if query.strip():
            persons, action = search_persons(request.user, query)
            page = Paginator(persons.order_by("birth_name", "first_names", "pk"), SEARCH_PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            # Never the query itself in the log: it is personal data.
            log_listing(actor, page.object_list, action=action)
        return render(
            request,
            "coordination/waiting/register_search.html",
            {"establishment": establishment, "query": query, "page": page},
        )
    try:
        person, _decision = get_person_or_404(actor, person_uuid)
    except ValidationError:
        return redirect(reverse("coordination:waiting_register", args=[establishment.uuid]))
    decisions = (
        MdphDecision.objects.filter(person=person, decision_type=MdphDecisionType.ORIENTATION_ESMS)
        .select_related("orientation_category")
        .order_by("-start_date", "-pk")
    )
    form = RegisterForm(request.POST or None, decisions=decisions, initial=register_initial(establishment))
    if save_with(
        request,
        form,
        lambda data: waiting.register(person, establishment, actor=actor, **data),
        success=f"{person.display_name} est inscrit(e) sur la liste d'attente.",
    ):
        return redirect(list_url(establishment))
    return render(
        request,
        "coordination/waiting/register.html",
        {"establishment": establishment, "person": person, "form": form},
    )


def register_initial(establishment) -> dict:
    """Today, and the establishment's mode when it has only one."""
    modes = list(establishment.capacities.values_list("mode", flat=True))
    mode = modes[0] if len(modes) == 1 and modes[0] in SupportMode.values else ""
    return {"registered_on": timezone.localdate(), "mode": mode}
