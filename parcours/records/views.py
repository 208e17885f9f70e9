"""Pages of the record, under /dossiers/<person uuid>/: admissions and exits, needs assessments,
projets personnalisés, the service log, notes, documents, and the timeline fragment loaded by
"Voir plus".

Every page first opens the person through the access policy (a person outside it is a 404, the
refusal logged); forms that write check the category's write permission (403 otherwise, logged),
then call `parcours.records.services`. Admissions, assessments, projets (in draft or under review)
and services delivered are corrected by the establishment that wrote them; notes are never edited.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from parcours.access import policy
from parcours.access.api import (
    Action,
    Actor,
    Category,
    get_person_or_404,
    read_person,
    read_person_categories,
)
from parcours.core.forms import add_validation_errors, save_with
from parcours.core.text import fold
from parcours.people.services import require_writable_establishment
from parcours.people.views import check_write, open_person
from parcours.records import projet_versions, services
from parcours.records.enums import ProjetResponseKind, ProjetStatus
from parcours.records.forms import (
    AdmissionEditForm,
    AdmissionExitForm,
    AdmissionForm,
    DocumentForm,
    NeedsAssessmentForm,
    NoteForm,
    ProjetForm,
    ServiceDeliveryEditForm,
    ServiceDeliveryForm,
    needs_formset,
    projet_formsets,
    projet_inputs,
    services_catalogue,
)
from parcours.records.models import ProjetResponse
from parcours.records.timeline import TIMELINE_CATEGORIES, timeline_context


def establishments_for(request, person):
    """Establishments the user writes for, and the default one: where the person is supported now."""
    establishments = policy.writable_establishments(request.user)
    current = establishments.filter(pk__in=person.admissions.active().values("establishment_id")).first()
    return establishments, current or establishments.first()


def back_to_person(person):
    return redirect("people:detail", uuid=person.uuid)


def render_form(request, template, person, title, **context):
    return render(request, template, {"person": person, "title": title, **context})


def check_correction(actor, person, category, establishment) -> None:
    """A correction needs the category's write permission (403 otherwise, the refusal logged) and is
    written in the name of the establishment that wrote the object (403 otherwise)."""
    check_write(actor, person, category, Action.UPDATE)
    require_writable_establishment(actor, establishment)


def may_correct(request, decision, category, establishment_id) -> bool:
    """Whether to offer the correction of an object to a user who reads it on this decision."""
    return policy.allows(decision.basis, category, Action.UPDATE) and services.writes_for(
        request.user, establishment_id
    )


# Timeline fragment


@require_http_methods(["GET"])
def timeline(request, person_uuid):
    """The next page of the timeline, appended by htmx; without htmx, the person page does it."""
    if not request.headers.get("HX-Request"):
        query = request.GET.urlencode()
        return redirect(
            reverse("people:detail", kwargs={"uuid": person_uuid}) + (f"?{query}" if query else "")
        )
    actor = Actor.from_request(request)
    person, identity = get_person_or_404(actor, person_uuid)
    categories = sorted(set(TIMELINE_CATEGORIES.values()) | {Category.DOCUMENTS})
    decisions = read_person_categories(actor, person, categories)
    readable = {category for category, decision in decisions.items() if decision}
    admissions = []
    if Category.PARCOURS in readable:
        admissions = list(person.admissions.select_related("establishment", "unit"))
    context = {
        "person": person,
        "can_read_documents": Category.DOCUMENTS in readable,
        # As on the person page, which renders the first page of the same items.
        "can_write": policy.allows(identity.basis, Category.IDENTITY, Action.CREATE),
    }
    context.update(timeline_context(request, person, readable, admissions))
    return render(request, "records/includes/timeline_page.html", context)


# Admissions


@require_http_methods(["GET", "POST"])
def admission_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.PARCOURS)
    establishments, current = establishments_for(request, person)
    form = AdmissionForm(request.POST or None, person=person, establishments=establishments)
    if save_with(
        request,
        form,
        lambda data: services.admit_person(person, actor=actor, **data),
        success="L'admission est enregistrée.",
    ):
        return back_to_person(person)
    return render_form(request, "records/admission_form.html", person, "Nouvelle admission", form=form)


@require_http_methods(["GET", "POST"])
def admission_exit(request, person_uuid, admission_uuid):
    actor, person = open_person(request, person_uuid)
    admission = get_object_or_404(person.admissions.select_related("establishment"), uuid=admission_uuid)
    check_correction(actor, person, Category.PARCOURS, admission.establishment)
    initial = {
        "end_date": admission.end_date,
        "exit_reason": admission.exit_reason,
        "comment": admission.comment,
    }
    form = AdmissionExitForm(request.POST or None, initial=initial)
    if save_with(
        request,
        form,
        lambda data: services.end_admission(admission, actor=actor, **data),
        success="La sortie est enregistrée.",
    ):
        return back_to_person(person)
    return render_form(
        request,
        "records/admission_exit_form.html",
        person,
        "Enregistrer une sortie",
        form=form,
        admission=admission,
    )


@require_http_methods(["GET", "POST"])
def admission_edit(request, person_uuid, admission_uuid):
    actor, person = open_person(request, person_uuid)
    admission = get_object_or_404(
        person.admissions.select_related("establishment", "unit"), uuid=admission_uuid
    )
    check_correction(actor, person, Category.PARCOURS, admission.establishment)
    form = AdmissionEditForm(request.POST or None, admission=admission)
    if save_with(
        request,
        form,
        lambda data: services.update_admission(admission, actor=actor, **data),
        success="L'admission est corrigée.",
    ):
        return back_to_person(person)
    return render_form(
        request,
        "records/admission_edit_form.html",
        person,
        "Modifier l'admission",
        form=form,
        admission=admission,
    )


# Needs assessments


@require_http_methods(["GET", "POST"])
def assessment_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.ASSESSMENTS)
    establishments, current = establishments_for(request, person)
    data = request.POST or None
    form = NeedsAssessmentForm(data)
    form.set_establishments(establishments, current)
    formset = needs_formset(data)
    # Both validated before anything is written; the service writes all or nothing.
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            services.create_needs_assessment(person, actor=actor, needs=formset.inputs(), **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, "L'évaluation des besoins est enregistrée.")
            return back_to_person(person)
    return render_form(
        request,
        "records/assessment_form.html",
        person,
        "Nouvelle évaluation des besoins",
        form=form,
        formset=formset,
        cancel_url=reverse("people:detail", args=[person.uuid]),
    )


@require_http_methods(["GET"])
def assessment_detail(request, person_uuid, assessment_uuid):
    actor, person = open_person(request, person_uuid)
    assessment = get_object_or_404(
        person.assessments.select_related("establishment", "assessed_by"), uuid=assessment_uuid
    )
    decision = read_person(actor, person, Category.ASSESSMENTS, obj=assessment)
    needs = assessment.needs.select_related("concept").order_by("concept__sort_key")
    return render(
        request,
        "records/assessment_detail.html",
        {
            "person": person,
            "assessment": assessment,
            "needs": needs,
            "can_edit": may_correct(request, decision, Category.ASSESSMENTS, assessment.establishment_id),
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request, person_uuid, assessment_uuid):
    actor, person = open_person(request, person_uuid)
    assessment = get_object_or_404(person.assessments.select_related("establishment"), uuid=assessment_uuid)
    check_correction(actor, person, Category.ASSESSMENTS, assessment.establishment)
    data = request.POST or None
    form = NeedsAssessmentForm(data, initial={"date": assessment.date, "comment": assessment.comment})
    form.set_establishments(policy.writable_establishments(request.user), assessment.establishment)
    formset = needs_formset(
        data, needs=assessment.needs.select_related("concept").order_by("concept__sort_key")
    )
    detail_url = reverse("records:assessment_detail", args=[person.uuid, assessment.uuid])
    title = f"Modifier l'évaluation du {assessment.date:%d/%m/%Y}"
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            services.update_needs_assessment(
                assessment, actor=actor, needs=formset.inputs(), **form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, "L'évaluation des besoins est corrigée.")
            return redirect(detail_url)
    return render_form(
        request,
        "records/assessment_form.html",
        person,
        title,
        form=form,
        formset=formset,
        cancel_url=detail_url,
    )


# Projets personnalisés


@require_http_methods(["GET", "POST"])
def projet_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.PROJET)
    establishments, current = establishments_for(request, person)
    data = request.POST or None
    form = ProjetForm(data)
    form.set_establishments(establishments, current)
    goals, planned = projet_formsets(data)
    if request.method == "POST" and form.is_valid() & goals.is_valid() & planned.is_valid():
        parts = projet_inputs(goals, planned)
        if parts is not None:
            try:
                projet = services.create_projet(
                    person, actor=actor, goals=parts[0], planned_services=parts[1], **form.cleaned_data
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, "Le projet personnalisé est enregistré (brouillon).")
                return redirect("records:projet_detail", person_uuid=person.uuid, projet_uuid=projet.uuid)
    return render_form(
        request,
        "records/projet_form.html",
        person,
        "Nouveau projet personnalisé",
        form=form,
        goals=goals,
        planned=planned,
        projet=None,
        cancel_url=reverse("people:detail", args=[person.uuid]),
    )


@require_http_methods(["GET", "POST"])
def projet_edit(request, person_uuid, projet_uuid):
    actor, person = open_person(request, person_uuid)
    projet = get_object_or_404(person.projets.select_related("establishment"), uuid=projet_uuid)
    check_correction(actor, person, Category.PROJET, projet.establishment)
    detail_url = reverse("records:projet_detail", args=[person.uuid, projet.uuid])
    refusal = services.projet_edit_refusal(projet)
    if refusal:
        messages.error(request, refusal)
        return redirect(detail_url)
    data = request.POST or None
    form = ProjetForm(
        data,
        initial={"date": projet.date, "review_date": projet.review_date, "person_words": projet.person_words},
    )
    form.set_establishments(policy.writable_establishments(request.user), projet.establishment)
    goals, planned = projet_formsets(
        data,
        goals=projet.goals.prefetch_related("needs"),
        planned_services=projet.planned_services.select_related("concept"),
    )
    title = f"Modifier le projet personnalisé du {projet.date:%d/%m/%Y}"
    if request.method == "POST" and form.is_valid() & goals.is_valid() & planned.is_valid():
        parts = projet_inputs(goals, planned)
        if parts is not None:
            try:
                services.update_projet(
                    projet, actor=actor, goals=parts[0], planned_services=parts[1], **form.cleaned_data
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, "Le projet personnalisé est modifié.")
                return redirect(detail_url)
    return render_form(
        request,
        "records/projet_form.html",
        person,
        title,
        form=form,
        goals=goals,
        planned=planned,
        projet=projet,
        cancel_url=detail_url,
    )


def projet_version_rows(projet) -> list[dict]:
    """The versions proposed to the person, newest first, each with its text and its answers (who,
    in what capacity, when), for the team's projet page."""
    responses = ProjetResponse.objects.select_related("author", "protection").order_by("at", "pk")
    versions = projet.versions.select_related("proposed_by").prefetch_related(
        Prefetch("responses", responses)
    )
    return [
        {
            "version": version,
            "text": projet_versions.read_version(version),
            "responses": [
                {"response": response, "capacity": projet_versions.capacity_label(response)}
                for response in version.responses.all()
            ],
        }
        for version in versions.order_by("-number")
    ]


@require_http_methods(["GET"])
def projet_detail(request, person_uuid, projet_uuid):
    actor, person = open_person(request, person_uuid)
    projet = get_object_or_404(person.projets.select_related("establishment", "author"), uuid=projet_uuid)
    decision = read_person(actor, person, Category.PROJET, obj=projet)
    goals = projet.goals.prefetch_related("needs")
    planned = projet.planned_services.select_related("concept", "goal")
    can_write = policy.allows(decision.basis, Category.PROJET, Action.UPDATE)
    can_correct = may_correct(request, decision, Category.PROJET, projet.establishment_id)
    refusal = services.projet_edit_refusal(projet)
    versions = projet_version_rows(projet)
    return render(
        request,
        "records/projet_detail.html",
        {
            "person": person,
            "projet": projet,
            "goals": goals,
            "planned": planned,
            "versions": versions,
            # Requests for changes to the version the person is reading now, while it awaits an answer.
            "change_requests": [
                row
                for row in (versions[0]["responses"] if versions else [])
                if row["response"].kind == ProjetResponseKind.CHANGES
            ]
            if projet.status == ProjetStatus.PROPOSED
            else [],
            "transitions": services.allowed_transitions(projet) if can_write else [],
            "can_edit": can_correct and not refusal,
            # Why there is no edit button, for those who would otherwise have it.
            "edit_refusal": refusal if can_correct else "",
        },
    )


@require_POST
def projet_status(request, person_uuid, projet_uuid):
    actor, person = open_person(request, person_uuid)
    projet = get_object_or_404(person.projets.all(), uuid=projet_uuid)
    check_write(actor, person, Category.PROJET, Action.UPDATE)
    try:
        services.change_projet_status(projet, status=request.POST.get("status", ""), actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Le projet est désormais « {projet.get_status_display()} ».")
    return redirect("records:projet_detail", person_uuid=person.uuid, projet_uuid=projet.uuid)


# Service log, notes, documents (notes are never edited: a correction is a new note)


@require_http_methods(["GET", "POST"])
def service_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.SERVICES)
    establishments, current = establishments_for(request, person)
    form = ServiceDeliveryForm(
        request.POST or None,
        person=person,
        establishments=establishments,
        catalogue=services_catalogue(),
        initial={"establishment": current},
    )
    if save_with(
        request,
        form,
        lambda data: services.log_service(person, actor=actor, **data),
        success="La prestation est enregistrée.",
    ):
        return back_to_person(person)
    return render_form(
        request, "records/simple_form.html", person, "Enregistrer une prestation réalisée", form=form
    )


@require_http_methods(["GET", "POST"])
def service_edit(request, person_uuid, service_uuid):
    actor, person = open_person(request, person_uuid)
    delivery = get_object_or_404(
        person.services.select_related("establishment", "concept", "professional"), uuid=service_uuid
    )
    check_correction(actor, person, Category.SERVICES, delivery.establishment)
    form = ServiceDeliveryEditForm(request.POST or None, delivery=delivery, catalogue=services_catalogue())
    if save_with(
        request,
        form,
        lambda data: services.update_service_delivery(delivery, actor=actor, **data),
        success="La prestation est corrigée.",
    ):
        return back_to_person(person)
    return render_form(
        request,
        "records/service_edit_form.html",
        person,
        "Corriger une prestation réalisée",
        form=form,
        delivery=delivery,
    )


@require_http_methods(["GET", "POST"])
def note_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.NOTES)
    establishments, current = establishments_for(request, person)
    form = NoteForm(request.POST or None, request.FILES or None)
    form.set_establishments(establishments, current)
    if save_with(
        request,
        form,
        lambda data: services.write_note(person, actor=actor, **data),
        success="La transmission est enregistrée.",
    ):
        return back_to_person(person)
    return render_form(
        request, "records/simple_form.html", person, "Nouvelle transmission", form=form, multipart=True
    )


@require_http_methods(["GET", "POST"])
def document_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.DOCUMENTS)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if save_with(
        request,
        form,
        lambda data: services.attach_document(person, actor=actor, **data),
        success="Le document est enregistré.",
    ):
        return back_to_person(person)
    return render_form(
        request, "records/simple_form.html", person, "Ajouter un document", form=form, multipart=True
    )


@require_http_methods(["GET"])
def document_download(request, person_uuid, document_uuid):
    """Documents are served only here, after the access check, and the read is logged."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, person_uuid, category=Category.DOCUMENTS)
    document = get_object_or_404(person.documents.all(), uuid=document_uuid)
    read_person(actor, person, Category.DOCUMENTS, obj=document)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    extension = document.file.name.rsplit(".", 1)[-1]
    filename = f"{fold(document.title).replace(' ', '-')[:80] or 'document'}.{extension}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
