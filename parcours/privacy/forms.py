from django import forms

from parcours.people.forms import AccessibleFormMixin


class ExportRequestForm(AccessibleFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label="Je confirme la demande d'export de l'ensemble du dossier de cette personne",
        help_text=(
            "L'archive contient toutes les données du dossier, transmissions et documents compris. "
            "Remettez-la uniquement à la personne ou à son représentant légal."
        ),
        error_messages={"required": "Cochez la case pour confirmer la demande d'export."},
    )
