"""Forms of the person's identity and of the identity-related parts of the record.

Forms only parse and validate input; the services in `parcours.people.services` write.
The helpers at the top (accessible fields, coded-value fields, error mapping) are shared with
`parcours.records.forms`.
"""

from django import forms

from parcours.nomenclature.models import Concept
from parcours.people.enums import MdphDecisionType
from parcours.people.models import (
    EDITABLE_FIELDS,
    IDENTITY_FIELDS,
    LegalProtection,
    MdphDecision,
    Person,
    Relative,
)

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        input_formats=DATE_INPUT_FORMATS,
    )


class AccessibleFormMixin:
    """Link each widget to its help text and its errors (aria-describedby), mark invalid fields
    (aria-invalid), so screen readers announce them with the field."""

    def _describe_fields(self) -> None:
        errors = self._errors or {}
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if name in errors:
                ids.append(f"{bound.auto_id}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self):
        super().full_clean()
        self._describe_fields()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField) and not isinstance(field.widget, DateInput):
                field.widget = DateInput()
                field.input_formats = DATE_INPUT_FORMATS
        self._describe_fields()


class ConceptCatalogue:
    """The selectable codes of one code system, for a select grouped by parent (one query).

    Only leaves are offered by default: a need or a service is coded at the finest level."""

    def __init__(self, system_slug: str, *, prefix: str | None = None, leaves_only: bool = True):
        concepts = list(Concept.objects.of(system_slug).select_related("system").order_by("sort_key"))
        by_code = {c.code: c for c in concepts}
        parents = {c.parent_code for c in concepts if c.parent_code}
        self.by_code: dict[str, Concept] = {}
        groups: dict[str, list[tuple[str, str]]] = {}
        flat: list[tuple[str, str]] = []
        for concept in concepts:
            if not concept.active or not concept.label:
                continue
            if leaves_only and concept.code in parents:
                continue
            if prefix and not concept.code.startswith(prefix):
                continue
            self.by_code[concept.code] = concept
            option = (concept.code, f"{concept.code} {concept.label}")
            group = self._group_label(concept, by_code)
            if group:
                groups.setdefault(group, []).append(option)
            else:
                flat.append(option)
        self.choices: list = flat + list(groups.items())

    @staticmethod
    def _group_label(concept: Concept, by_code: dict[str, Concept]) -> str:
        parent = by_code.get(concept.parent_code)
        while parent is not None and not parent.label:
            parent = by_code.get(parent.parent_code)
        return f"{parent.code} {parent.label}" if parent else ""


class ConceptField(forms.ChoiceField):
    """A coded value chosen by its code; cleans to the Concept."""

    def __init__(self, *, catalogue: ConceptCatalogue | None = None, **kwargs):
        super().__init__(**kwargs)
        self.catalogue = catalogue
        if catalogue is not None:
            self.set_catalogue(catalogue)

    def set_catalogue(self, catalogue: ConceptCatalogue) -> None:
        self.catalogue = catalogue
        self.choices = [("", "— Choisir —"), *catalogue.choices]

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        return self.catalogue.by_code[code]


class ConceptMultipleField(forms.MultipleChoiceField):
    def __init__(self, *, catalogue: ConceptCatalogue | None = None, **kwargs):
        super().__init__(**kwargs)
        self.catalogue = catalogue
        if catalogue is not None:
            self.set_catalogue(catalogue)

    def set_catalogue(self, catalogue: ConceptCatalogue) -> None:
        self.catalogue = catalogue
        self.choices = catalogue.choices

    def clean(self, value):
        codes = super().clean(value)
        return [self.catalogue.by_code[code] for code in codes]


# Identity


class PersonForm(AccessibleFormMixin, forms.ModelForm):
    """Identity traits (INS strict traits, used traits, NIR and identity status) and contact details."""

    class Meta:
        model = Person
        fields = list(IDENTITY_FIELDS)
        widgets = {"sex": forms.RadioSelect}
        help_texts = {
            "birth_name": "Tel qu'écrit sur la pièce d'identité, sans abréviation.",
            "birth_date": "Format JJ/MM/AAAA si votre navigateur ne propose pas de calendrier.",
            "identity_status": "Une identité récupérée ou qualifiée suppose le matricule INS (NIR).",
        }

    fieldsets = [
        (
            "Traits stricts de l'identité (INS)",
            ["birth_name", "first_names", "birth_date", "sex", "birth_place_code"],
        ),
        ("Traits complémentaires", ["used_name", "used_first_name"]),
        ("Identifiant et statut de l'identité", ["nir", "identity_status"]),
        ("Coordonnées", ["phone", "email", "street", "postal_code", "city"]),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sex"].choices = [c for c in self.fields["sex"].choices if c[0]]
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "off"

    def fieldset_fields(self):
        return [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.fieldsets
        ]


class PersonCreateForm(PersonForm):
    establishment = forms.ModelChoiceField(
        label="Établissement ou service qui ouvre le dossier",
        queryset=None,
        empty_label=None,
        help_text="Son équipe voit le dossier tant que la personne n'est admise nulle part.",
    )
    confirm_distinct = forms.BooleanField(
        label="Je confirme qu'il s'agit d'une autre personne",
        required=False,
    )

    fieldsets = [("Dossier", ["establishment"]), *PersonForm.fieldsets]

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments

    def identity_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in IDENTITY_FIELDS}


class PersonEditForm(PersonForm):
    reason = forms.CharField(
        label="Motif de la modification",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Facultatif pour corriger une faute de frappe. Sinon, indiquez ce qui justifie le changement "
            "(pièce d'identité présentée, demande de rectification de la personne, retour du téléservice "
            "INSi, déménagement...) : l'historique des rectifications le garde avec l'ancienne valeur, "
            "et il éclaire l'identitovigilance comme la personne si elle demande pourquoi son dossier a "
            "changé."
        ),
    )

    class Meta(PersonForm.Meta):
        fields = list(EDITABLE_FIELDS)

    fieldsets = [
        *PersonForm.fieldsets,
        ("Autonomie", ["gir", "gir_date"]),
        ("Motif de la modification", ["reason"]),
    ]

    def changes(self) -> dict:
        """The record's fields the user changed, with their new value (the reason is not one)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in EDITABLE_FIELDS}

    def clean(self):
        data = super().clean()
        if data.get("gir") and not data.get("gir_date"):
            self.add_error("gir_date", "Indiquez la date de l'évaluation du GIR.")
        return data


# Relatives, protection, deficiencies, MDPH


class RelativeForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = Relative
        fields = [
            "last_name",
            "first_name",
            "relationship",
            "is_natural_carer",
            "is_emergency_contact",
            "phone",
            "email",
            "street",
            "postal_code",
            "city",
        ]


class LegalProtectionForm(AccessibleFormMixin, forms.ModelForm):
    class Meta:
        model = LegalProtection
        fields = [
            "measure",
            "representative_kind",
            "representative_relative",
            "representative_name",
            "start_date",
            "end_date",
            "court_reference",
        ]

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        field = self.fields["representative_relative"]
        field.queryset = Relative.objects.filter(person=person)
        field.empty_label = "— Aucun (mandataire ou service) —"
        field.help_text = "Si la mesure est exercée par un proche déjà enregistré."


class DeficienciesForm(AccessibleFormMixin, forms.Form):
    main = ConceptField(label="Déficience principale", required=False)
    associated = ConceptMultipleField(
        label="Déficiences associées", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, catalogue: ConceptCatalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["main"].set_catalogue(catalogue)
        self.fields["associated"].set_catalogue(catalogue)

    def clean(self):
        data = super().clean()
        main, associated = data.get("main"), data.get("associated") or []
        if main is not None and main in associated:
            self.add_error(
                "associated", "La déficience principale ne peut pas être aussi une déficience associée."
            )
        return data


class MdphDecisionForm(AccessibleFormMixin, forms.ModelForm):
    orientation_category = ConceptField(
        label="Catégorie d'établissement ou service (orientation)",
        required=False,
        help_text="Obligatoire pour une orientation vers un établissement ou service médico-social.",
    )

    class Meta:
        model = MdphDecision
        fields = [
            "decision_type",
            "orientation_category",
            "reference",
            "department_code",
            "decision_date",
            "start_date",
            "end_date",
        ]

    def __init__(self, *args, person: Person, catalogue: ConceptCatalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        self.fields["orientation_category"].set_catalogue(catalogue)
        self.fields["decision_type"].initial = MdphDecisionType.ORIENTATION_ESMS
