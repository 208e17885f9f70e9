from django import forms
from django.template.defaultfilters import truncatechars
from django.utils import timezone

from parcours.access.enums import ConsentGivenBy, ConsentHow
from parcours.access.forms import DateInput
from parcours.coordination.enums import LiaisonPart
from parcours.core.text import fold
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.people.forms import AccessibleFormMixin
from parcours.people.models import LegalProtection

WITNESS_REQUIRED = "Indiquez le nom du témoin : un consentement oral est recueilli devant un témoin."
# Establishments offered at once in the receiving establishment's list (narrow it with the search).
ESTABLISHMENTS_SHOWN = 200


def note_label(note) -> str:
    written = timezone.localtime(note.written_at)
    return f"{written:%d/%m/%Y} — {note.get_category_display()} — {truncatechars(note.text, 90)}"


def matching_establishments(query: str, exclude):
    """The establishments whose name (accents and case aside) holds every word of the search, or whose
    FINESS number is the search."""
    establishments = Establishment.objects.exclude(pk__in=[e.pk for e in exclude]).order_by("name", "pk")
    query = fold(query or "").strip()
    if not query:
        return establishments
    words = query.split()
    ids = [
        pk
        for pk, name, finess in establishments.values_list("pk", "name", "finess")
        if all(word in fold(name) for word in words) or query == finess
    ]
    return establishments.filter(pk__in=ids)


class LiaisonForm(AccessibleFormMixin, forms.Form):
    """What goes in the liaison file, to whom, and the person's consent to it."""

    from_establishment = forms.ModelChoiceField(
        label="Établissement qui envoie",
        queryset=Establishment.objects.none(),
        to_field_name="uuid",
        empty_label=None,
    )
    to_establishment = forms.ModelChoiceField(
        label="Établissement ou service qui accueillera la personne",
        queryset=Establishment.objects.none(),
        to_field_name="uuid",
        help_text="Son équipe et sa direction liront le dossier, puis l'importeront dans une admission.",
    )
    parts = forms.MultipleChoiceField(
        label="Parties à transmettre",
        choices=LiaisonPart.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une partie du dossier à transmettre."},
    )
    notes = forms.MultipleChoiceField(
        label="Transmissions à joindre",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Les 30 dernières ; seules celles cochées partent, avec la partie « Transmissions choisies »."
        ),
    )
    consent_given = forms.BooleanField(
        label="La personne, ou son représentant légal, consent à ce que ces parties soient transmises à "
        "cet établissement.",
        error_messages={"required": "Sans le consentement de la personne, le dossier ne part pas."},
    )
    given_by = forms.ChoiceField(
        label="Consentement donné par", choices=ConsentGivenBy.choices, widget=forms.RadioSelect
    )
    protection = forms.ModelChoiceField(
        label="Mesure de protection du représentant",
        queryset=LegalProtection.objects.none(),
        required=False,
        help_text="Quand le représentant légal décide.",
    )
    how = forms.ChoiceField(label="Recueilli", choices=ConsentHow.choices, widget=forms.RadioSelect)
    witness_name = forms.CharField(
        label="Nom du témoin",
        max_length=200,
        required=False,
        help_text="Obligatoire pour un consentement oral.",
    )

    def __init__(self, *args, person, senders, receivers, notes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_establishment"].queryset = senders
        self.fields["to_establishment"].queryset = receivers
        self.fields["notes"].choices = [(str(note.uuid), note_label(note)) for note in notes]
        self.fields["protection"].queryset = person.protections.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("how") == ConsentHow.ORAL and not cleaned.get("witness_name", "").strip():
            self.add_error("witness_name", WITNESS_REQUIRED)
        if cleaned.get("protection") and cleaned.get("given_by") != ConsentGivenBy.REPRESENTATIVE:
            self.add_error(
                "protection", "La mesure de protection ne s'indique que si le représentant légal décide."
            )
        return cleaned

    def consent(self) -> dict:
        data = self.cleaned_data
        return {
            "given_by": data["given_by"],
            "how": data["how"],
            "witness_name": data.get("witness_name", ""),
            "protection": data.get("protection"),
        }


class ImportForm(AccessibleFormMixin, forms.Form):
    """The admission the receiver opens from the file."""

    start_date = forms.DateField(label="Date d'admission", widget=DateInput())
    mode = forms.ChoiceField(label="Mode d'accompagnement", choices=SupportMode.choices)
    unit = forms.ModelChoiceField(label="Unité", queryset=None, required=False)

    def __init__(self, *args, establishment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = establishment.units.order_by("name")
