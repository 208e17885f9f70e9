from django import forms

from parcours.access.audit import Period
from parcours.access.enums import Category, ConsentDecision, ConsentGivenBy, ConsentHow, RestrictionGround
from parcours.organisations.models import Establishment
from parcours.people.forms import AccessibleFormMixin
from parcours.people.models import LegalProtection

DEFAULT_DAYS = 7
MAX_DAYS = 366


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AuditPeriodForm(forms.Form):
    """The period of the audit view: the last seven days unless chosen, a year at most."""

    start = forms.DateField(label="Du", widget=DateInput())
    end = forms.DateField(label="Au (inclus)", widget=DateInput())

    def __init__(self, data=None):
        default = Period.last_days(DEFAULT_DAYS)
        if not data or not any(data.get(name) for name in ("start", "end")):
            data = {"start": default.start.isoformat(), "end": default.end.isoformat()}
        super().__init__(data)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "La fin de la période précède son début.")
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", f"La période ne peut dépasser {MAX_DAYS} jours.")
        return cleaned

    @property
    def period(self) -> Period:
        """The chosen period when valid, otherwise the default one."""
        if self.is_valid():
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        return Period.last_days(DEFAULT_DAYS)


class ConsentForm(AccessibleFormMixin, forms.Form):
    """A consent given (or refused) by the person or their legal representative."""

    establishment = forms.ModelChoiceField(
        label="Établissement ou service destinataire",
        queryset=Establishment.objects.none(),
        help_text="L'équipe et la direction de cet établissement pourront lire les parties choisies.",
    )
    categories = forms.MultipleChoiceField(
        label="Parties du dossier",
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une partie du dossier."},
    )
    decision = forms.ChoiceField(label="Décision", choices=ConsentDecision.choices, widget=forms.RadioSelect)
    given_by = forms.ChoiceField(
        label="Décision prise par", choices=ConsentGivenBy.choices, widget=forms.RadioSelect
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
    valid_from = forms.DateField(label="Valable à partir du")
    valid_until = forms.DateField(
        label="Valable jusqu'au", required=False, help_text="Laisser vide : sans fin."
    )

    def __init__(self, *args, person, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments
        self.fields["protection"].queryset = person.protections.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("how") == ConsentHow.ORAL and not cleaned.get("witness_name", "").strip():
            self.add_error(
                "witness_name",
                "Indiquez le nom du témoin : un consentement oral est recueilli devant un témoin.",
            )
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "La fin de validité précède son début.")
        return cleaned


class WithdrawalForm(forms.Form):
    reason = forms.CharField(label="Motif du retrait", max_length=500, required=False)


class BreakGlassForm(AccessibleFormMixin, forms.Form):
    """Find the record by the person's exact identity traits, and say why it is an emergency."""

    birth_name = forms.CharField(label="Nom de naissance", max_length=100)
    first_name = forms.CharField(label="Prénom", max_length=100)
    birth_date = forms.DateField(label="Date de naissance")
    nir = forms.CharField(
        label="NIR (numéro de sécurité sociale)",
        max_length=21,
        required=False,
        help_text="Seulement si plusieurs personnes portent ces nom, prénom et date de naissance.",
    )
    reason = forms.CharField(
        label="Motif de l'urgence",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=(
            "Pourquoi devez-vous consulter ce dossier maintenant ? Ce motif est relu par la direction "
            "et par le délégué à la protection des données."
        ),
    )


class ReviewForm(AccessibleFormMixin, forms.Form):
    review_note = forms.CharField(
        label="Conclusion de l'examen",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Par exemple : urgence justifiée, ou suite donnée.",
    )


class RestrictionForm(AccessibleFormMixin, forms.Form):
    ground = forms.ChoiceField(label="Motif", choices=RestrictionGround.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Précisions",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="La demande de la personne, sa date, ce qui doit être vérifié.",
    )
