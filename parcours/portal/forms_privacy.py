"""Forms of the person's say over their record: a consent to an establishment, the period of the
access log."""

import datetime

from django import forms

from parcours.access.enums import Category
from parcours.organisations.models import Establishment
from parcours.people.forms import AccessibleFormMixin

# The identity is always shared (the record cannot be opened without it): not a choice.
SHAREABLE_CATEGORIES = [(value, label) for value, label in Category.choices if value != Category.IDENTITY]
# The easy-read words of each part of the record.
EASY_CATEGORY_LABELS = {
    Category.PARCOURS: "Mes entrées et sorties des établissements",
    Category.ASSESSMENTS: "Ce que j'ai besoin",
    Category.PROJET: "Mon projet",
    Category.SERVICES: "Ce que l'équipe fait avec moi",
    Category.NOTES: "Les notes de l'équipe",
    Category.DOCUMENTS: "Mes documents",
    Category.HEALTH: "Ma santé",
}


CHOOSE = "Choisissez un établissement."


class RecipientSearchForm(forms.Form):
    q = forms.CharField(
        label="Nom ou numéro FINESS de l'établissement",
        max_length=100,
        required=False,
        help_text="Deux caractères au moins.",
    )


class ConsentForm(AccessibleFormMixin, forms.Form):
    """What the person lets an establishment read. The establishment is chosen among the results of
    the search (its UUID); any establishment of the instance is accepted."""

    establishment = forms.UUIDField(
        label="Établissement",
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choisissez un établissement.",
            "invalid": "Choisissez un établissement.",
        },
    )
    categories = forms.MultipleChoiceField(
        label="Ce que cet établissement pourra lire",
        choices=SHAREABLE_CATEGORIES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Votre identité est toujours partagée : sans elle, le dossier ne s'ouvre pas.",
    )
    valid_until = forms.DateField(
        label="Jusqu'au (facultatif)",
        required=False,
        help_text="Laissez vide pour un partage sans date de fin : vous pourrez l'arrêter à tout moment.",
    )

    def __init__(self, *args, easy_read: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if easy_read:
            self.fields["categories"].choices = [
                (value, EASY_CATEGORY_LABELS[value]) for value, _ in SHAREABLE_CATEGORIES
            ]
            self.fields["categories"].label = "Ce que cet établissement peut voir"
            self.fields["valid_until"].label = "Jusqu'à quelle date ? (pas obligé)"

    def clean_establishment(self):
        establishment = Establishment.objects.filter(uuid=self.cleaned_data["establishment"]).first()
        if establishment is None:
            raise forms.ValidationError("Cet établissement n'existe pas.")
        return establishment


class LogPeriodForm(AccessibleFormMixin, forms.Form):
    """An optional period for the access log; an invalid one shows every entry."""

    start = forms.DateField(label="Du", required=False)
    end = forms.DateField(label="Au (inclus)", required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "La fin de la période précède son début.")
        return cleaned

    def period(self) -> tuple[datetime.date | None, datetime.date | None]:
        if self.is_valid():
            return self.cleaned_data.get("start"), self.cleaned_data.get("end")
        return None, None
