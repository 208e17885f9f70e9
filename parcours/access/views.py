"""Pages of the access log: who opened a person's record, what a user opened, and the data protection
officer's view of unusual access (read-only; the persons they show are written to the log); and the
recording and withdrawal of a person's consents to sharing."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.access import audit, policy, services
from parcours.access.api import (
    Action,
    Actor,
    Category,
    get_person_or_404,
    log_listing,
    require,
    visible_persons,
)
from parcours.access.enums import Basis, ConsentDecision, ConsentGivenBy, ConsentHow
from parcours.access.forms import (
    AuditPeriodForm,
    BreakGlassForm,
    ConsentForm,
    RestrictionForm,
    ReviewForm,
    WithdrawalForm,
)
from parcours.access.journal import record
from parcours.access.models import AccessLogEntry, BreakGlass, Consent, Restriction
from parcours.access.policy import may_audit, readable_user_logs, scope_of
from parcours.core.forms import add_validation_errors, save_with
from parcours.core.identifiers import compact
from parcours.core.text import fold
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.staff.models import Membership

ENTRIES_PER_PAGE = 50
# Rows shown per section of the audit view (most significant first).
AUDIT_ROWS = 100


@require_GET
def person_log(request, uuid):
    """ "Qui a consulté ce dossier": every entry about the person, newest first, for anyone who may
    read the person's identity. Opening this page is itself written to the log."""
    person, _ = get_person_or_404(Actor.from_request(request), uuid, details={"view": "access:person_log"})
    entries = AccessLogEntry.objects.for_person(person).order_by("-at", "-sequence")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = audit.log_rows(list(page.object_list))
    return render(request, "access/person_log.html", {"person": person, "page": page, "rows": rows})


@require_GET
def user_log(request, uuid):
    """What a user opened, newest first: for the user ("Mes accès"), the direction of the
    establishments where they work, and the data protection officer. Persons the reader may not
    see are not named."""
    target = get_object_or_404(readable_user_logs(request.user), uuid=uuid)
    entries = (
        AccessLogEntry.objects.filter(actor=target).select_related("person").order_by("-at", "-sequence")
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    person_ids = {entry.person_id for entry in entries if entry.person_id}
    visible = (
        set(visible_persons(request.user).filter(pk__in=person_ids).values_list("pk", flat=True))
        if person_ids
        else set()
    )
    who = audit.describe_users({target.pk})
    rows = audit.log_rows(entries, visible_person_ids=visible, who=who)
    shown = list({row.person.pk: row.person for row in rows if row.person is not None}.values())
    if shown:
        log_listing(Actor.from_request(request), shown, details={"view": "access:user_log"})
    own = target.pk == request.user.pk
    return render(
        request,
        "access/user_log.html",
        {
            "target": who[target.pk],
            "own": own,
            "page": page,
            "rows": rows,
            "team": team_members(request.user) if own else [],
            "may_audit": may_audit(request.user),
        },
    )


def team_members(user) -> list[Membership]:
    """The current members of the teams of the establishments this user directs (their logs are
    readable from "Mes accès")."""
    scope = scope_of(user)
    directed = scope.directed | scope.gestionnaire_establishments
    if not directed:
        return []
    return list(
        Membership.objects.active()
        .filter(establishment_id__in=directed, professional__user__isnull=False)
        .exclude(professional__user=user)
        .select_related("professional__user", "establishment")
        .order_by("establishment__name", "professional__last_name", "professional__first_name", "pk")
    )


@require_GET
def unusual_access(request):
    """The data protection officer's view: unusual access over a period (permission access.view_audit)."""
    if not may_audit(request.user):
        raise PermissionDenied("Cette page est réservée au délégué à la protection des données.")
    form = AuditPeriodForm(request.GET)
    period = form.period
    sections = {
        "bursts": audit.bursts(period),
        "refusals": audit.refusals(period),
        "night": audit.night_access(period),
        "break_glass": audit.break_glass(period),
    }
    who = audit.describe_users({row.actor_id for rows in sections.values() for row in rows})
    context = {"form": form, "period": period, "who": who}
    for name, rows in sections.items():
        context[name] = [(row, who[row.actor_id]) for row in rows[:AUDIT_ROWS]]
        context[f"{name}_more"] = max(0, len(rows) - AUDIT_ROWS)
    context.update(
        burst_persons=settings.PARCOURS_AUDIT_BURST_PERSONS,
        burst_minutes=settings.PARCOURS_AUDIT_BURST_MINUTES,
        night_start=settings.PARCOURS_AUDIT_NIGHT_START,
        night_end=settings.PARCOURS_AUDIT_NIGHT_END,
    )
    return render(request, "access/audit.html", context)


# Consents


def _open_for_consents(request, uuid, action: str) -> tuple[Actor, object]:
    """The person, for recording or withdrawing a consent: 404 outside the policy, 403 (logged) for
    whoever may read but not write the identity (a consent's recipient, a gestionnaire's direction)."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, uuid, details={"view": "access:consent"})
    if not policy.decide(request.user, person, Category.IDENTITY, action):
        require(actor, person, Category.IDENTITY, action)  # logs the refusal and raises AccessDenied
    return actor, person


@require_http_methods(["GET", "POST"])
def consent_create(request, uuid):
    actor, person = _open_for_consents(request, uuid, Action.CREATE)
    form = ConsentForm(
        request.POST or None,
        person=person,
        establishments=Establishment.objects.order_by("name"),
        initial={
            "decision": ConsentDecision.GRANTED,
            "given_by": ConsentGivenBy.PERSON,
            "how": ConsentHow.SIGNED_PAPER,
            "valid_from": timezone.localdate(),
        },
    )
    if save_with(
        request,
        form,
        lambda data: services.record_consent(person, actor=actor, **data),
        success="Le consentement est enregistré.",
    ):
        return redirect(reverse("people:detail", args=[person.uuid]) + "#partage")
    return render(
        request,
        "people/simple_form.html",
        {"form": form, "person": person, "title": "Enregistrer un consentement au partage"},
    )


@require_POST
def consent_withdraw(request, uuid, consent_uuid):
    actor, person = _open_for_consents(request, uuid, Action.UPDATE)
    consent = get_object_or_404(Consent.objects.filter(person=person), uuid=consent_uuid)
    form = WithdrawalForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.withdraw_consent(consent, actor=actor, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Le consentement est retiré : il ne donne plus accès au dossier.")
    return redirect(reverse("people:detail", args=[person.uuid]) + "#partage")


# Emergency access ("bris de glace")


def find_for_break_glass(data: dict) -> list[Person]:
    """The records whose identity traits are exactly these (accents and case aside): the birth name,
    one of the first names, the birth date, and the NIR when given."""
    candidates = Person.objects.filter(birth_date=data["birth_date"])
    nir = compact(data.get("nir") or "")
    if nir:
        candidates = candidates.filter(nir__startswith=nir[:13])
    birth_name, first_name = fold(data["birth_name"]).strip(), fold(data["first_name"]).strip()
    return [
        person
        for person in candidates.only("pk", "uuid", "birth_name", "first_names", "used_first_name")
        if fold(person.birth_name) == birth_name
        and first_name in fold(f"{person.first_names} {person.used_first_name}").split()
    ]


@require_http_methods(["GET", "POST"])
def break_glass_open(request):
    """Open an emergency access to a record: the professional identifies the person exactly and
    writes why. A search that finds nothing, or several records, is logged and opens nothing."""
    actor = Actor.from_request(request)
    if not scope_of(request.user).may_break_glass:
        raise PermissionDenied(
            "L'accès d'urgence est réservé aux professionnels des équipes et aux directions."
        )
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = find_for_break_glass(form.cleaned_data)
        if len(found) != 1:
            record(
                actor,
                person=None,
                action=Action.SEARCH,
                category=Category.IDENTITY,
                allowed=False,
                basis=Basis.NONE,
                details={"break_glass": "not_found" if not found else "ambiguous"},
            )
            form.add_error(
                None,
                "Aucun dossier ne correspond exactement à ces nom, prénom et date de naissance."
                if not found
                else "Plusieurs dossiers correspondent : indiquez aussi le NIR de la personne.",
            )
        else:
            person = found[0]
            try:
                access = services.open_break_glass(person, actor=actor, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                if policy.bases_for(request.user, person):
                    messages.info(request, " ".join(exc.messages))
                    return redirect("people:detail", person.uuid)
                add_validation_errors(form, exc)
            else:
                messages.warning(
                    request,
                    f"Accès d'urgence ouvert jusqu'à {timezone.localtime(access.expires_at):%H:%M} : "
                    "lecture seule, tracé dans le journal et signalé à la direction et au délégué à la "
                    "protection des données.",
                )
                return redirect("people:detail", person.uuid)
    return render(
        request, "access/break_glass_open.html", {"form": form, "hours": settings.PARCOURS_BREAK_GLASS_HOURS}
    )


@require_GET
def break_glass_list(request):
    """The emergency accesses the user opened, and those they review (directors, the DPO)."""
    reviewable = policy.break_glass_reviewable_by(request.user)
    own = BreakGlass.objects.filter(user=request.user)
    accesses = (reviewable | own).distinct().order_by("-opened_at", "-id")
    page = Paginator(accesses, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = _break_glass_rows(request, list(page.object_list))
    return render(request, "access/break_glass_list.html", {"page": page, "rows": rows})


def _break_glass_rows(request, accesses: list[BreakGlass]) -> list[tuple]:
    """Each access with its professional and, when the reader may see the record, its person (the
    persons shown are written to the log)."""
    person_ids = {access.person_id for access in accesses}
    visible = (
        {person.pk: person for person in visible_persons(request.user).filter(pk__in=person_ids)}
        if person_ids
        else {}
    )
    who = audit.describe_users({access.user_id for access in accesses})
    if visible:
        log_listing(Actor.from_request(request), visible.values(), details={"view": "access:break_glass"})
    return [(access, who[access.user_id], visible.get(access.person_id)) for access in accesses]


@require_http_methods(["GET", "POST"])
def break_glass_detail(request, uuid):
    access = get_object_or_404(
        (
            policy.break_glass_reviewable_by(request.user) | BreakGlass.objects.filter(user=request.user)
        ).distinct(),
        uuid=uuid,
    )
    may_review = policy.break_glass_reviewable_by(request.user).filter(pk=access.pk).exists()
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied("Vous ne pouvez pas examiner cet accès d'urgence.")
        if save_with(
            request,
            form,
            lambda data: services.review_break_glass(
                access, actor=Actor.from_request(request), note=data["review_note"]
            ),
            success="L'examen de l'accès d'urgence est enregistré.",
        ):
            return redirect("access:break_glass_detail", access.uuid)
    ((_, who, person),) = _break_glass_rows(request, [access])
    entries = AccessLogEntry.objects.filter(
        actor_id=access.user_id, person_id=access.person_id, basis=Basis.BREAK_GLASS
    ).order_by("at", "sequence")
    return render(
        request,
        "access/break_glass_detail.html",
        {
            "access": access,
            "who": who,
            "person": person,
            "form": form if may_review and access.reviewed_at is None else None,
            "entries": audit.log_rows(list(entries[:200])),
        },
    )


# Restriction of processing (RGPD art. 18)


@require_http_methods(["GET", "POST"])
def restriction_create(request, uuid):
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, uuid, details={"view": "access:restriction"})
    if not policy.may_restrict(request.user, person):
        record(
            actor,
            person=person,
            action=Action.CREATE,
            category=Category.IDENTITY,
            allowed=False,
            basis=Basis.NONE,
            details={"restriction": "start"},
        )
        raise PermissionDenied("Seule la direction de l'établissement limite le traitement d'un dossier.")
    form = RestrictionForm(request.POST or None)
    if save_with(
        request,
        form,
        lambda data: services.restrict_processing(person, actor=actor, **data),
        success="Le traitement du dossier est limité : plus personne ne peut y écrire.",
    ):
        return redirect(reverse("people:detail", args=[person.uuid]) + "#partage")
    return render(
        request,
        "people/simple_form.html",
        {
            "form": form,
            "person": person,
            "title": "Limiter le traitement du dossier",
            "submit_label": "Limiter le traitement",
        },
    )


@require_POST
def restriction_lift(request, uuid, restriction_uuid):
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, uuid, details={"view": "access:restriction"})
    restriction = get_object_or_404(Restriction.objects.filter(person=person), uuid=restriction_uuid)
    try:
        services.lift_restriction(restriction, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "La limitation est levée : le dossier peut de nouveau être complété.")
    return redirect(reverse("people:detail", args=[person.uuid]) + "#partage")
