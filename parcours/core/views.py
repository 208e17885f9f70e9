from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone

from parcours.access.api import Actor, log_listing
from parcours.access.enums import Action, Category
from parcours.access.journal import record_many
from parcours.access.policy import readable_establishments, scope_of
from parcours.access.portal import is_portal_user
from parcours.core import design
from parcours.core.forms import StyleguideForm
from parcours.core.queries import persons_by_basis, persons_present, recent_notes, unique_persons
from parcours.organisations.enums import SupportMode
from parcours.records.enums import NoteCategory

PERSONS_PER_PAGE = 25


def home(request):
    """Staff home: the persons supported today in the user's establishments, and recent notes."""
    user = request.user
    scope = scope_of(user)
    if scope.is_empty:
        if is_portal_user(user):
            return redirect("portal:home")
        return render(request, "core/home.html", {"has_scope": False})

    establishment_ids = scope.all_establishments
    establishments = list(readable_establishments(user).only("uuid", "name").order_by("name"))
    paginator = Paginator(persons_present(user, establishment_ids), PERSONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    persons = list(page.object_list)
    notes = recent_notes(user, establishment_ids)

    actor = Actor.from_request(request)
    shown = unique_persons(persons, [row.note.person for row in notes])
    # One transaction for both traces: the page is shown only if everything it reveals is logged.
    with transaction.atomic():
        if shown:
            log_listing(actor, shown, details={"view": "core:home"})
        for basis, readers in persons_by_basis(notes).items():
            record_many(
                actor,
                readers,
                action=Action.READ,
                category=Category.NOTES,
                basis=basis,
                details={"view": "core:home"},
            )

    return render(
        request,
        "core/home.html",
        {
            "has_scope": True,
            "today": timezone.localdate(),
            "establishments": establishments,
            "several_establishments": len(establishments) > 1,
            "page": page,
            "persons": persons,
            "notes": notes,
            "notes_hidden": any(not row.text_allowed for row in notes),
        },
    )


@login_not_required
def styleguide(request):
    """Every component of parcours.css, with the colour tokens and their contrast ratios."""
    form = StyleguideForm(data={"name": "", "birth_date": "2010-05-14", "mode": "internat"})
    form.is_valid()
    sample_page = Paginator(range(250), 25).get_page(4)
    return render(
        request,
        "core/styleguide.html",
        {
            "tokens": design.TOKENS,
            "pairs": design.PAIRS,
            "form": form,
            "sample_page": sample_page,
            "modes": SupportMode,
            "note_categories": NoteCategory,
        },
    )
