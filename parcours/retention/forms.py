from django import forms

from parcours.retention.enums import ALLOWED_ACTIONS, FinalAction, RetentionCategory
from parcours.retention.models import MAX_MONTHS


class RuleForm(forms.Form):
    """One category's rule, as the DPO types it. Empty durations mean "to be configured"."""

    active_months = forms.IntegerField(
        label="Durée en base active (mois)",
        required=False,
        min_value=1,
        max_value=MAX_MONTHS,
        help_text="À compter du point de départ. Vide : durée à configurer, rien n'est archivé.",
    )
    archive_months = forms.IntegerField(
        label="Durée en archive intermédiaire (mois)",
        required=False,
        min_value=0,
        max_value=MAX_MONTHS,
        help_text="Après la base active. Vide : rien n'est supprimé ni anonymisé.",
    )
    final_action = forms.ChoiceField(label="Sort final", required=False)
    justification = forms.CharField(
        label="Justification",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Texte de référence (délibération CNIL, article de loi) ou décision du responsable de traitement."
        ),
    )

    def __init__(self, *args, category: str, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_ACTIONS[category]
        self.fields["final_action"].choices = [("", "À configurer")] + [
            (action, FinalAction(action).label) for action in allowed
        ]
        if category == RetentionCategory.ACCESS_LOG:
            self.fields[
                "archive_months"
            ].help_text = "Le journal des accès n'a pas d'archive intermédiaire : 0."
