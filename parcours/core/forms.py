from django import forms


class StyleguideForm(forms.Form):
    """A form shown in the style guide, bound with one error to show the error styles."""

    name = forms.CharField(
        label="Nom d'usage", help_text="Tel qu'il figure sur les documents de la personne."
    )
    birth_date = forms.DateField(label="Date de naissance", widget=forms.DateInput(attrs={"type": "date"}))
    mode = forms.ChoiceField(
        label="Mode d'accompagnement", choices=[("internat", "Internat"), ("externat", "Externat")]
    )
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    shareable = forms.BooleanField(label="Partageable avec la personne et sa famille", required=False)
