from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError


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


def add_validation_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has it,
    otherwise at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def save_with(request, form: forms.BaseForm, write: Callable[[dict], object], *, success: str) -> bool:
    """On a valid POST, call `write(form.cleaned_data)` (a service function, which writes everything
    or nothing) and add the success message; True when saved. A ValidationError raised by the service
    is shown on the form, and nothing was written."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        add_validation_errors(form, exc)
        return False
    messages.success(request, success)
    return True
