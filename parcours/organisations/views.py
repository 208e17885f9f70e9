from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from parcours.access.api import Actor, log_listing
from parcours.access.policy import readable_establishments, scope_of
from parcours.core.queries import persons_present
from parcours.organisations.services import occupancies, occupancy
from parcours.staff.models import Membership

PERSONS_PER_PAGE = 25


def establishment_list(request):
    """The establishments in the user's scope, with today's occupancy."""
    establishments = list(
        readable_establishments(request.user).select_related("gestionnaire", "category").order_by("name")
    )
    figures = occupancies(establishments)
    rows = [(establishment, figures[establishment.pk]) for establishment in establishments]
    return render(request, "organisations/establishment_list.html", {"rows": rows})


def establishment_detail(request, uuid):
    """Identity, capacity, occupancy today, persons present and team of one establishment."""
    establishment = get_object_or_404(
        readable_establishments(request.user).select_related("gestionnaire", "category"), uuid=uuid
    )
    figures = occupancy(establishment)
    paginator = Paginator(persons_present(request.user, [establishment.pk]), PERSONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    persons = list(page.object_list)
    if persons:
        log_listing(Actor.from_request(request), persons, details={"view": "organisations:detail"})
    scope = scope_of(request.user)
    team = (
        Membership.objects.active()
        .filter(establishment=establishment)
        .select_related("professional")
        .order_by("role", "professional__last_name", "professional__first_name")
    )
    return render(
        request,
        "organisations/establishment_detail.html",
        {
            "establishment": establishment,
            "occupancy": figures,
            "page": page,
            "persons": persons,
            "team": team,
            # The day's presence sheet is the team's and the director's; the questionnaires, the director's.
            "works_here": establishment.pk in scope.team | scope.directed,
            "directs": establishment.pk in scope.directed,
        },
    )
