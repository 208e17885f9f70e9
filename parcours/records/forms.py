"""Forms of the record pages. They parse and validate; `parcours.records.services` writes.

Coded values (SERAFIN-PH needs and services) are chosen in selects grouped by parent; the
catalogues are loaded once per request and shared by every form of a formset.
"""

from uuid import UUID

from django import forms
from django.forms import formset_factory
from django.forms.formsets import DELETION_FIELD_NAME

from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Unit
from parcours.people.forms import (
    AccessibleFormMixin,
    ConceptCatalogue,
    ConceptField,
    ConceptMultipleField,
    date_field,
)
from parcours.records.enums import ExitReason, FrequencyPeriod, NeedIntensity, NoteCategory
from parcours.records.models import BESOINS, PRESTATIONS, Admission, ServiceDelivery
from parcours.records.services import (
    ALLOWED_TYPES_LABEL,
    MAX_DOCUMENT_SIZE,
    GoalInput,
    NeedInput,
    PlannedServiceInput,
)

MAX_FORMSET_ROWS = 30


def needs_catalogue() -> ConceptCatalogue:
    return ConceptCatalogue(BESOINS)


def services_catalogue() -> ConceptCatalogue:
    """Direct services (prestations directes, 2.x): the ones delivered to a person."""
    return ConceptCatalogue(PRESTATIONS, prefix="2.")


class EstablishmentFormMixin:
    """An `establishment` field limited to the establishments the user writes for."""

    def set_establishments(self, establishments, initial=None) -> None:
        field = self.fields["establishment"]
        field.queryset = establishments
        field.empty_label = None
        if initial is not None and not self.is_bound:
            self.initial.setdefault("establishment", initial)


# Timeline filters


class TimelineFilterForm(AccessibleFormMixin, forms.Form):
    kind = forms.MultipleChoiceField(label="Afficher", required=False, widget=forms.CheckboxSelectMultiple)
    establishment = forms.TypedChoiceField(label="Établissement", required=False, coerce=str, empty_value="")
    du = date_field("Du", required=False)
    au = date_field("Au", required=False)

    def __init__(self, *args, kinds, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        self.fields["establishment"].choices = [("", "Tous")] + [
            (str(e.uuid), e.name) for e in establishments
        ]
        self._establishments = {str(e.uuid): e for e in establishments}

    def clean_establishment(self):
        value = self.cleaned_data["establishment"]
        return UUID(value) if value else None

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["au"] < data["du"]:
            self.add_error("au", "La fin de la période précède son début.")
        return data

    def has_changed(self) -> bool:
        data = self.data
        return any(data.get(name) for name in ("kind", "establishment", "du", "au"))


# Admissions


class AdmissionForm(AccessibleFormMixin, EstablishmentFormMixin, forms.ModelForm):
    class Meta:
        model = Admission
        fields = ["establishment", "unit", "mode", "start_date", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, person, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        self.set_establishments(establishments)
        unit = self.fields["unit"]
        unit.queryset = unit.queryset.filter(establishment__in=establishments).select_related("establishment")
        unit.label_from_instance = lambda u: f"{u.establishment} — {u.name}"
        unit.empty_label = "— Aucune —"
        self.fields["mode"].choices = SupportMode.choices


class AdmissionEditForm(AccessibleFormMixin, forms.Form):
    """The corrections of an admission; its exit date and reason only once it has ended (an exit is
    recorded on its own page). The establishment is not among them."""

    unit = forms.ModelChoiceField(label="Unité", queryset=Unit.objects.none(), required=False)
    mode = forms.ChoiceField(label="Mode d'accompagnement", choices=SupportMode.choices)
    start_date = date_field("Date d'admission")
    end_date = date_field("Date de sortie")
    exit_reason = forms.ChoiceField(
        label="Motif de sortie",
        choices=[("", "— Choisir —"), *ExitReason.choices],
        help_text="Nomenclature ANS des motifs de sortie (TRE_R358).",
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, admission: Admission, **kwargs):
        initial = {
            "unit": admission.unit_id,
            "mode": admission.mode,
            "start_date": admission.start_date,
            "end_date": admission.end_date,
            "exit_reason": admission.exit_reason,
            "comment": admission.comment,
        }
        super().__init__(*args, initial=initial, **kwargs)
        unit = self.fields["unit"]
        unit.queryset = Unit.objects.filter(establishment_id=admission.establishment_id)
        unit.empty_label = "— Aucune —"
        if admission.end_date is None:
            del self.fields["end_date"], self.fields["exit_reason"]


class AdmissionExitForm(AccessibleFormMixin, forms.Form):
    end_date = date_field("Date de sortie")
    exit_reason = forms.ChoiceField(
        label="Motif de sortie",
        choices=[("", "— Choisir —"), *ExitReason.choices],
        help_text="Nomenclature ANS des motifs de sortie (TRE_R358).",
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))


# Needs assessments


class NeedsAssessmentForm(AccessibleFormMixin, EstablishmentFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(label="Établissement", queryset=None)
    date = date_field("Date de l'évaluation")
    comment = forms.CharField(label="Synthèse", required=False, widget=forms.Textarea(attrs={"rows": 4}))


class NeedForm(AccessibleFormMixin, forms.Form):
    concept = ConceptField(label="Besoin (SERAFIN-PH)")
    intensity = forms.TypedChoiceField(
        label="Intensité", coerce=int, choices=[("", "— Choisir —"), *NeedIntensity.choices]
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, catalogue: ConceptCatalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concept"].set_catalogue(catalogue)


class RowsFormSet(forms.BaseFormSet):
    """A formset of rows. Blank extra rows are ignored; on a correction page the rows already saved
    are kept unless their deletion box is ticked."""

    delete_label = "Supprimer cette ligne"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if DELETION_FIELD_NAME in form.fields:
            form.fields[DELETION_FIELD_NAME].label = self.delete_label

    def kept_forms(self) -> list[forms.Form]:
        """The rows to write, in their order on the page (after validation)."""
        return [
            form
            for index, form in enumerate(self.forms)
            if not (self.can_delete and self._should_delete_form(form))
            and (index < self.initial_form_count() or form.has_changed())
        ]

    def filled(self) -> list[dict]:
        return [form.cleaned_data for form in self.kept_forms()]


class BaseCodedFormSet(RowsFormSet):
    """Rows of coded values, none repeated."""

    duplicate_message = "Ce code est saisi deux fois."

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.kept_forms():
            concept = form.cleaned_data.get("concept")
            if concept is None:
                continue
            if concept.pk in seen:
                form.add_error("concept", self.duplicate_message)
            seen.add(concept.pk)


class NeedFormSet(BaseCodedFormSet):
    duplicate_message = "Ce besoin est déjà saisi plus haut."
    delete_label = "Supprimer ce besoin"

    def inputs(self) -> list[NeedInput]:
        return [
            NeedInput(concept=row["concept"], intensity=row["intensity"], comment=row["comment"])
            for row in self.filled()
        ]


NeedFormSetFactory = formset_factory(
    NeedForm,
    formset=NeedFormSet,
    extra=3,
    min_num=1,
    validate_min=True,
    max_num=MAX_FORMSET_ROWS,
    absolute_max=MAX_FORMSET_ROWS,
    validate_max=True,
)
# Correcting an assessment: its needs as rows that may be changed or deleted, and two blank rows.
NeedEditFormSetFactory = formset_factory(
    NeedForm,
    formset=NeedFormSet,
    extra=2,
    min_num=1,
    validate_min=True,
    max_num=MAX_FORMSET_ROWS,
    absolute_max=MAX_FORMSET_ROWS,
    validate_max=True,
    can_delete=True,
    can_delete_extra=False,
)


def needs_formset(data, *, needs=None) -> NeedFormSet:
    """Blank rows for a new assessment; to correct one, its `needs` (to change or delete) and two
    blank rows."""
    form_kwargs = {"catalogue": needs_catalogue()}
    if needs is None:
        return NeedFormSetFactory(data, prefix="besoins", form_kwargs=form_kwargs)
    initial = [{"concept": n.concept.code, "intensity": n.intensity, "comment": n.comment} for n in needs]
    return NeedEditFormSetFactory(data, prefix="besoins", initial=initial, form_kwargs=form_kwargs)


# Projets personnalisés


class ProjetForm(AccessibleFormMixin, EstablishmentFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(label="Établissement", queryset=None)
    date = date_field("Date du projet")
    review_date = date_field(
        "Date de révision prévue", help_text="Au plus tard un an après la date du projet."
    )
    person_words = forms.CharField(
        label="Paroles de la personne",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ses attentes et ses souhaits, dans ses propres mots.",
    )

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("review_date") and data["review_date"] < data["date"]:
            self.add_error("review_date", "La date de révision doit suivre la date du projet.")
        return data


class GoalForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Objectif", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs = ConceptMultipleField(
        label="Besoins visés", required=False, help_text="Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."
    )

    def __init__(self, *args, catalogue: ConceptCatalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].set_catalogue(catalogue)
        self.fields["needs"].widget.attrs["size"] = 6


class GoalFormSet(RowsFormSet):
    delete_label = "Supprimer cet objectif"


GoalFormSetFactory = formset_factory(
    GoalForm,
    formset=GoalFormSet,
    extra=3,
    max_num=MAX_FORMSET_ROWS,
    absolute_max=MAX_FORMSET_ROWS,
    validate_max=True,
)
GoalEditFormSetFactory = formset_factory(
    GoalForm,
    formset=GoalFormSet,
    extra=2,
    max_num=MAX_FORMSET_ROWS,
    absolute_max=MAX_FORMSET_ROWS,
    validate_max=True,
    can_delete=True,
    can_delete_extra=False,
)


class PlannedServiceForm(AccessibleFormMixin, forms.Form):
    concept = ConceptField(label="Prestation (SERAFIN-PH)")
    frequency_count = forms.IntegerField(label="Fréquence", min_value=1, max_value=1000)
    frequency_period = forms.ChoiceField(
        label="Période", choices=FrequencyPeriod.choices, initial=FrequencyPeriod.WEEK
    )
    goal = forms.TypedChoiceField(label="Objectif lié", required=False, coerce=int, empty_value=None)
    comment = forms.CharField(label="Précisions", required=False, max_length=300)

    def __init__(self, *args, catalogue: ConceptCatalogue, goal_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concept"].set_catalogue(catalogue)
        self.fields["goal"].choices = [("", "— Aucun —")] + [
            (i, f"Objectif n° {i + 1}") for i in range(goal_count)
        ]


class PlannedServiceFormSet(BaseCodedFormSet):
    delete_label = "Supprimer cette prestation"


PlannedServiceFormSetFactory = formset_factory(
    PlannedServiceForm,
    formset=PlannedServiceFormSet,
    extra=3,
    max_num=MAX_FORMSET_ROWS,
    absolute_max=MAX_FORMSET_ROWS,
    validate_max=True,
)
PlannedServiceEditFormSetFactory = formset_factory(
    PlannedServiceForm,
    formset=PlannedServiceFormSet,
    extra=2,
    max_num=MAX_FORMSET_ROWS,
    absolute_max=MAX_FORMSET_ROWS,
    validate_max=True,
    can_delete=True,
    can_delete_extra=False,
)


def projet_formsets(data, *, goals=None, planned_services=None) -> tuple[GoalFormSet, PlannedServiceFormSet]:
    """The goals and planned-services formsets: blank rows for a new projet; to correct one, its
    `goals` and `planned_services` (to change or delete) and two blank rows each."""
    goal_factory, service_factory = GoalFormSetFactory, PlannedServiceFormSetFactory
    goal_rows = service_rows = None
    if goals is not None:
        goal_factory, service_factory = GoalEditFormSetFactory, PlannedServiceEditFormSetFactory
        goals = list(goals)
        row_of_goal = {goal.pk: index for index, goal in enumerate(goals)}
        goal_rows = [
            {"title": g.title, "description": g.description, "needs": [n.code for n in g.needs.all()]}
            for g in goals
        ]
        service_rows = [
            {
                "concept": s.concept.code,
                "frequency_count": s.frequency_count,
                "frequency_period": s.frequency_period,
                "goal": row_of_goal.get(s.goal_id),
                "comment": s.comment,
            }
            for s in planned_services or []
        ]
    goal_formset = goal_factory(
        data, prefix="objectifs", initial=goal_rows, form_kwargs={"catalogue": needs_catalogue()}
    )
    service_formset = service_factory(
        data,
        prefix="prestations",
        initial=service_rows,
        form_kwargs={"catalogue": services_catalogue(), "goal_count": goal_formset.total_form_count()},
    )
    return goal_formset, service_formset


def projet_inputs(
    goals: GoalFormSet, planned: PlannedServiceFormSet
) -> tuple[list[GoalInput], list[PlannedServiceInput]] | None:
    """What valid goals and planned-services formsets ask the service to write; None when a planned
    service points at a goal row that is blank or deleted (the error is then on its row)."""
    kept = goals.kept_forms()
    # A planned service points at its goal by the goal's row on the page; blank rows are skipped.
    positions = [index for index, goal_form in enumerate(goals.forms) if goal_form in kept]
    service_inputs, bad_goal = [], False
    for row_form in planned.kept_forms():
        row = row_form.cleaned_data
        goal_index = None
        if row["goal"] is not None:
            if row["goal"] not in positions:
                deleted = row["goal"] < goals.initial_form_count()
                row_form.add_error(
                    "goal", "Cet objectif est supprimé." if deleted else "Cet objectif n'est pas rempli."
                )
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
    if bad_goal:
        return None
    goal_inputs = [
        GoalInput(title=g["title"], description=g["description"], needs=g["needs"]) for g in goals.filled()
    ]
    return goal_inputs, service_inputs


class ProjetStatusForm(forms.Form):
    status = forms.CharField()


# Service log, notes, documents


class ServiceDeliveryForm(AccessibleFormMixin, EstablishmentFormMixin, forms.ModelForm):
    concept = ConceptField(label="Prestation (SERAFIN-PH)")

    class Meta:
        model = ServiceDelivery
        fields = ["establishment", "concept", "date", "duration_minutes", "is_group"]

    def __init__(self, *args, person, establishments, catalogue: ConceptCatalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        self.set_establishments(establishments)
        self.fields["concept"].set_catalogue(catalogue)


class ServiceDeliveryEditForm(AccessibleFormMixin, forms.Form):
    """The corrections of a line of the service log: not its establishment nor who delivered it."""

    concept = ConceptField(label="Prestation (SERAFIN-PH)")
    date = date_field("Date")
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=1, max_value=24 * 60)
    is_group = forms.BooleanField(label="Collective", required=False)

    def __init__(self, *args, delivery: ServiceDelivery, catalogue: ConceptCatalogue, **kwargs):
        initial = {
            "concept": delivery.concept.code,
            "date": delivery.date,
            "duration_minutes": delivery.duration_minutes,
            "is_group": delivery.is_group,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["concept"].set_catalogue(catalogue)


def check_upload_size(upload):
    if upload is not None and upload.size > MAX_DOCUMENT_SIZE:
        raise forms.ValidationError("Le fichier dépasse 10 Mo.")
    return upload


class NoteForm(AccessibleFormMixin, EstablishmentFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(label="Établissement", queryset=None)
    category = forms.ChoiceField(label="Catégorie", choices=NoteCategory.choices)
    text = forms.CharField(
        label="Transmission",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Une transmission ne se modifie plus une fois enregistrée : pour la compléter ou la "
        "rectifier, écrivez-en une nouvelle.",
    )
    shareable = forms.BooleanField(label="Partageable avec la personne et sa famille", required=False)
    attachment = forms.FileField(
        label="Pièce jointe", required=False, help_text=f"Facultative. {ALLOWED_TYPES_LABEL}, 10 Mo au plus."
    )
    attachment_title = forms.CharField(label="Titre de la pièce jointe", required=False, max_length=200)

    def clean_attachment(self):
        return check_upload_size(self.cleaned_data.get("attachment"))


class DocumentForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    file = forms.FileField(label="Fichier", help_text=f"{ALLOWED_TYPES_LABEL}, 10 Mo au plus.")

    def clean_file(self):
        return check_upload_size(self.cleaned_data.get("file"))
