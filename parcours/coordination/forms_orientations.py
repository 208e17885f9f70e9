"""Forms of the admission requests. They parse and validate; `parcours.coordination.requests` writes."""

from django import forms

from parcours.access.enums import ConsentGivenBy, ConsentHow
from parcours.coordination.enums import REQUEST_STEP, RefusalReason, RequestStatus
from parcours.organisations.enums import SupportMode
from parcours.people.forms import AccessibleFormMixin, date_field


class OrientationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, decision):
        category = decision.orientation_category.label if decision.orientation_category_id else ""
        until = f" jusqu'au {decision.end_date:%d/%m/%Y}" if decision.end_date else ""
        reference = f" (réf. {decision.reference})" if decision.reference else ""
        return f"{category}{reference}, du {decision.start_date:%d/%m/%Y}{until}"


class EstablishmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, establishment):
        return f"{establishment.name} — {establishment.city}" if establishment.city else establishment.name


class SendRequestsForm(AccessibleFormMixin, forms.Form):
    decision = OrientationChoiceField(
        label="Orientation de la MDPH", queryset=None, to_field_name="uuid", empty_label=None
    )
    establishments = EstablishmentChoiceField(
        label="Établissements ou services sollicités",
        queryset=None,
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
        help_text="Ceux de la catégorie de l'orientation ; une demande est envoyée à chacun.",
    )
    mode = forms.ChoiceField(label="Mode d'accompagnement demandé", choices=SupportMode.choices)
    comment = forms.CharField(
        label="Message aux établissements",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sans information de santé : le dossier se lit dans Parcours.",
    )
    consent = forms.BooleanField(
        label=(
            "La personne (ou son représentant légal) accepte que son identité et son parcours soient "
            "transmis aux établissements sollicités."
        ),
        error_messages={"required": "Sans cet accord, la demande ne peut pas être envoyée."},
    )
    consent_given_by = forms.ChoiceField(label="Accord donné par", choices=ConsentGivenBy.choices)
    consent_how = forms.ChoiceField(label="Forme de l'accord", choices=ConsentHow.choices)
    witness_name = forms.CharField(
        label="Témoin (accord oral)",
        required=False,
        max_length=200,
        help_text="Nom du témoin d'un accord oral.",
    )

    def __init__(self, *args, decisions, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = decisions
        self.fields["establishments"].queryset = establishments

    def clean(self):
        data = super().clean()
        if data.get("consent_how") == ConsentHow.ORAL and not (data.get("witness_name") or "").strip():
            self.add_error("witness_name", "Un accord oral se donne devant un témoin : indiquez son nom.")
        return data


class FilterEstablishmentsForm(AccessibleFormMixin, forms.Form):
    """The orientation and a search by name or city, to list the establishments to ask (GET)."""

    decision = OrientationChoiceField(
        label="Orientation de la MDPH", queryset=None, to_field_name="uuid", empty_label=None, required=False
    )
    q = forms.CharField(label="Nom ou commune", required=False, max_length=100)

    def __init__(self, *args, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = decisions


class StatusForm(AccessibleFormMixin, forms.Form):
    status = forms.ChoiceField(label="Nouvelle étape", widget=forms.RadioSelect)
    date = date_field("Date")
    reason = forms.ChoiceField(
        label="Motif (admission impossible)",
        required=False,
        choices=[("", "—")] + RefusalReason.choices,
        help_text="Obligatoire pour une admission impossible.",
    )
    comment = forms.CharField(
        label="Commentaire", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (status.value, f"{REQUEST_STEP[status].capitalize()} — {status.label}") for status in statuses
        ]
        if RequestStatus.IMPOSSIBLE not in statuses:
            del self.fields["reason"]


class ReceivedFilterForm(forms.Form):
    step = forms.ChoiceField(
        label="Étape",
        required=False,
        choices=[("", "Toutes"), ("open", "En cours")]
        + [(status.value, REQUEST_STEP[status].capitalize()) for status in RequestStatus],
    )
