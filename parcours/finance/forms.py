from django import forms

from parcours.finance.reading import MAX_BYTES, too_big_message


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier des états réalisés",
        help_text="CSV (séparateur « ; » ou « , », encodé en UTF-8) ou classeur XLSX, 2 Mo au plus.",
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_BYTES:
            raise forms.ValidationError(too_big_message())
        return uploaded


class StatementFilterForm(forms.Form):
    """Filters of the statement list, among the establishments the user manages and the years they
    have statements for."""

    etablissement = forms.TypedChoiceField(
        label="Établissement", required=False, coerce=int, empty_value=None
    )
    exercice = forms.TypedChoiceField(label="Exercice", required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, establishments, years):
        super().__init__(data)
        self.fields["etablissement"].choices = [("", "Tous"), *((e.pk, e.name) for e in establishments)]
        self.fields["exercice"].choices = [("", "Tous"), *((year, str(year)) for year in years)]

    def filters(self) -> dict:
        """The lookups of the valid filters; an invalid value is ignored (shown as "Tous")."""
        if not self.is_valid():
            return {}
        lookups = {}
        if self.cleaned_data["etablissement"] is not None:
            lookups["establishment_id"] = self.cleaned_data["etablissement"]
        if self.cleaned_data["exercice"] is not None:
            lookups["year"] = self.cleaned_data["exercice"]
        return lookups
