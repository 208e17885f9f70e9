"""Pages of the record, under /dossiers/<person uuid>/: admissions and exits, needs assessments,
projets personnalisés, the service log, notes, documents, and the timeline fragment loaded by
"Voir plus".

Every page first opens the person through the access policy (a person outside it is a 404, the
refusal logged); forms that write check the category's write permission (403 otherwise, logged),
then call `parcours.records.services`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
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
from parcours.people.views import check_write, open_person
from parcours.records import services
from parcours.records.forms import (
    AdmissionExitForm,
    AdmissionForm,
    DocumentForm,
    GoalFormSetFactory,
    NeedFormSetFactory,
    NeedsAssessmentForm,
    NoteForm,
    PlannedServiceFormSetFactory,
    ProjetForm,
    ServiceDeliveryForm,
    needs_catalogue,
    services_catalogue,
)
from parcours.records.services import GoalInput, NeedInput, PlannedServiceInput
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
    person, _ = get_person_or_404(actor, person_uuid)
    categories = sorted(set(TIMELINE_CATEGORIES.values()) | {Category.DOCUMENTS})
    decisions = read_person_categories(actor, person, categories)
    readable = {category for category, decision in decisions.items() if decision}
    admissions = []
    if Category.PARCOURS in readable:
        admissions = list(person.admissions.select_related("establishment", "unit"))
    context = {"person": person, "can_read_documents": Category.DOCUMENTS in readable}
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
    check_write(actor, person, Category.PARCOURS, Action.UPDATE)
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


# Needs assessments


@require_http_methods(["GET", "POST"])
def assessment_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.ASSESSMENTS)
    establishments, current = establishments_for(request, person)
    catalogue = needs_catalogue()
    data = request.POST or None
    form = NeedsAssessmentForm(data)
    form.set_establishments(establishments, current)
    formset = NeedFormSetFactory(data, prefix="besoins", form_kwargs={"catalogue": catalogue})
    # Both validated before anything is written; the service writes all or nothing.
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        needs = [
            NeedInput(concept=row["concept"], intensity=row["intensity"], comment=row["comment"])
            for row in formset.filled()
        ]
        try:
            services.create_needs_assessment(person, actor=actor, needs=needs, **form.cleaned_data)
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
    )


@require_http_methods(["GET"])
def assessment_detail(request, person_uuid, assessment_uuid):
    actor, person = open_person(request, person_uuid)
    assessment = get_object_or_404(
        person.assessments.select_related("establishment", "assessed_by"), uuid=assessment_uuid
    )
    read_person(actor, person, Category.ASSESSMENTS, obj=assessment)
    needs = assessment.needs.select_related("concept").order_by("concept__sort_key")
    return render(
        request,
        "records/assessment_detail.html",
        {"person": person, "assessment": assessment, "needs": needs},
    )


# Projets personnalisés


@require_http_methods(["GET", "POST"])
def projet_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.PROJET)
    establishments, current = establishments_for(request, person)
    data = request.POST or None
    form = ProjetForm(data)
    form.set_establishments(establishments, current)
    goals = GoalFormSetFactory(data, prefix="objectifs", form_kwargs={"catalogue": needs_catalogue()})
    planned = PlannedServiceFormSetFactory(
        data,
        prefix="prestations",
        form_kwargs={
            "catalogue": services_catalogue(),
            "goal_count": goals.total_form_count(),
        },
    )
    if request.method == "POST" and form.is_valid() & goals.is_valid() & planned.is_valid():
        goal_rows = goals.filled()
        # Goals are numbered by their row in the form; blank rows are skipped.
        positions = [i for i, goal_form in enumerate(goals.forms) if goal_form.has_changed()]
        service_inputs, bad_goal = [], False
        for row_form, row in ((f, f.cleaned_data) for f in planned.forms if f.has_changed()):
            goal_index = None
            if row["goal"] is not None:
                if row["goal"] not in positions:
                    row_form.add_error("goal", "Cet objectif n'est pas rempli.")
                    bad_goal = True
                    continue
                goal_index = positions.index(row["goal"])
            service_inputs.append(
                PlannedServiceInput(
                    concept=row["concept"],
                    frequency_count=row["frequency_count"],
                    frequency_period=row["frequency_period"],
                    comment=row["comment"],
                    goal_index=goal_index,
                )
            )
        if not bad_goal:
            try:
                projet = services.create_projet(
                    person,
                    actor=actor,
                    goals=[
                        GoalInput(title=g["title"], description=g["description"], needs=g["needs"])
                        for g in goal_rows
                    ],
                    planned_services=service_inputs,
                    **form.cleaned_data,
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
    )


@require_http_methods(["GET"])
def projet_detail(request, person_uuid, projet_uuid):
    actor, person = open_person(request, person_uuid)
    projet = get_object_or_404(person.projets.select_related("establishment", "author"), uuid=projet_uuid)
    decision = read_person(actor, person, Category.PROJET, obj=projet)
    goals = projet.goals.prefetch_related("needs")
    planned = projet.planned_services.select_related("concept", "goal")
    can_write = policy.allows(decision.basis, Category.PROJET, Action.UPDATE)
    return render(
        request,
        "records/projet_detail.html",
        {
            "person": person,
            "projet": projet,
            "goals": goals,
            "planned": planned,
            "transitions": services.allowed_transitions(projet) if can_write else [],
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


# Service log, notes, documents


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
