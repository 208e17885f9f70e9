"""Forms of the waiting lists. They parse; `parcours.coordination.waiting` checks and writes."""

from django import forms

from parcours.coordination.enums import WaitingListOutcome, WaitingListPriority
from parcours.organisations.enums import SupportMode
from parcours.people.forms import AccessibleFormMixin, date_field

PRIORITY_CHOICES = [("", "Toutes"), *WaitingListPriority.choices]


class WaitingFilterForm(AccessibleFormMixin, forms.Form):
    """Filters of the list (GET): a mode, a priority. A value out of the lists is ignored."""

    mode = forms.ChoiceField(label="Mode d'accompagnement", required=False)
    priorite = forms.TypedChoiceField(
        label="Priorité", required=False, coerce=int, empty_value=None, choices=PRIORITY_CHOICES
    )

    def __init__(self, *args, modes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [("", "Tous"), *(modes or SupportMode.choices)]

    def values(self) -> tuple[str, int | None]:
        if not self.is_valid():
            return "", None
        return self.cleaned_data["mode"], self.cleaned_data["priorite"]


class PriorityForm(AccessibleFormMixin, forms.Form):
    priority = forms.TypedChoiceField(label="Priorité", coerce=int, choices=WaitingListPriority.choices)


class DecisionForm(AccessibleFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Issue",
        choices=[("", "— Choisir —"), *WaitingListOutcome.choices],
        help_text="Pourquoi la personne quitte la liste d'attente.",
    )
    left_on = date_field("Date de la décision")
    decision_note = forms.CharField(
        label="Motif de la décision",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Les raisons, en quelques mots ; obligatoire pour « Autre motif ».",
    )
    confirm = forms.BooleanField(
        label="Je confirme que cette personne quitte la liste d'attente.",
        error_messages={"required": "Cochez la case pour confirmer la décision."},
    )


class RegisterForm(AccessibleFormMixin, forms.Form):
    mode = forms.ChoiceField(label="Mode d'accompagnement demandé")
    registered_on = date_field("Date de la demande")
    priority = forms.TypedChoiceField(
        label="Priorité", coerce=int, choices=WaitingListPriority.choices, initial=WaitingListPriority.NORMAL
    )
    mdph_decision = forms.ModelChoiceField(
        label="Décision MDPH d'orientation",
        queryset=None,
        required=False,
        empty_label="— Sans orientation MDPH —",
        to_field_name="uuid",
    )

    def __init__(self, *args, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [("", "— Choisir —"), *SupportMode.choices]
        self.fields["mdph_decision"].queryset = decisions
        self.fields["mdph_decision"].label_from_instance = decision_label


def decision_label(decision) -> str:
    category = decision.orientation_category.label if decision.orientation_category_id else ""
    until = f" au {decision.end_date:%d/%m/%Y}" if decision.end_date else ""
    reference = f" — {decision.reference}" if decision.reference else ""
    return f"{category}, du {decision.start_date:%d/%m/%Y}{until}{reference}"
