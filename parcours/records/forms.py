"""Forms of the record pages. They parse and validate; `parcours.records.services` writes.

Coded values (SERAFIN-PH needs and services) are chosen in selects grouped by parent; the
catalogues are loaded once per request and shared by every form of a formset.
"""

from uuid import UUID

from django import forms
from django.forms import formset_factory

from parcours.organisations.enums import SupportMode
from parcours.people.forms import (
    AccessibleFormMixin,
    ConceptCatalogue,
    ConceptField,
    ConceptMultipleField,
    date_field,
)
from parcours.records.enums import ExitReason, FrequencyPeriod, NeedIntensity, NoteCategory
from parcours.records.models import BESOINS, PRESTATIONS, Admission, ServiceDelivery
from parcours.records.services import ALLOWED_TYPES_LABEL, MAX_DOCUMENT_SIZE

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


class BaseCodedFormSet(forms.BaseFormSet):
    """A formset whose blank extra rows are ignored and whose codes are not repeated."""

    duplicate_message = "Ce code est saisi deux fois."

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            concept = form.cleaned_data.get("concept") if form.has_changed() else None
            if concept is None:
                continue
            if concept.pk in seen:
                form.add_error("concept", self.duplicate_message)
            seen.add(concept.pk)

    def filled(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.has_changed() and form.cleaned_data]


class NeedFormSet(BaseCodedFormSet):
    duplicate_message = "Ce besoin est déjà saisi plus haut."


NeedFormSetFactory = formset_factory(
    NeedForm,
    formset=NeedFormSet,
    extra=3,
    min_num=1,
    validate_min=True,
    max_num=MAX_FORMSET_ROWS,
    validate_max=True,
)


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


class GoalFormSet(forms.BaseFormSet):
    def filled(self) -> list[dict]:
        return [form.cleaned_data for form in self.forms if form.has_changed() and form.cleaned_data]


GoalFormSetFactory = formset_factory(
    GoalForm, formset=GoalFormSet, extra=3, max_num=MAX_FORMSET_ROWS, validate_max=True
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


PlannedServiceFormSetFactory = formset_factory(
    PlannedServiceForm, formset=BaseCodedFormSet, extra=3, max_num=MAX_FORMSET_ROWS, validate_max=True
)


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


def check_upload_size(upload):
    if upload is not None and upload.size > MAX_DOCUMENT_SIZE:
        raise forms.ValidationError("Le fichier dépasse 10 Mo.")
    return upload


class NoteForm(AccessibleFormMixin, EstablishmentFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(label="Établissement", queryset=None)
    category = forms.ChoiceField(label="Catégorie", choices=NoteCategory.choices)
    text = forms.CharField(label="Transmission", widget=forms.Textarea(attrs={"rows": 6}))
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
