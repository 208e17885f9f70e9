"""Forms of the messages with the team: a new conversation, an answer, the team's inbox filters."""

from django import forms

from parcours.people.forms import AccessibleFormMixin
from parcours.portal.messaging import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH
from parcours.records.forms import check_upload_size
from parcours.records.services import ALLOWED_TYPES_LABEL

ATTACHMENT_HELP = f"Facultative. {ALLOWED_TYPES_LABEL}, 10 Mo au plus."
EASY_ATTACHMENT_HELP = "Vous pouvez ajouter un document ou une photo. Pas plus de 10 Mo."


class ReplyForm(AccessibleFormMixin, forms.Form):
    body = forms.CharField(
        label="Votre message", max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachment = forms.FileField(label="Pièce jointe", required=False, help_text=ATTACHMENT_HELP)

    def __init__(self, *args, easy_read: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if easy_read:
            self.relabel("body", "J'écris mon message")
            self.relabel("attachment", "J'ajoute un document (si je veux)", EASY_ATTACHMENT_HELP)

    def relabel(self, name: str, label: str, help_text: str | None = None) -> None:
        """The words of the easy-read mode (the bound field, already made by the mixin, too)."""
        field = self.fields[name]
        field.label = self[name].label = label
        if help_text is not None:
            field.help_text = self[name].help_text = help_text

    def clean_attachment(self):
        return check_upload_size(self.cleaned_data.get("attachment"))


class ThreadForm(ReplyForm):
    """A new conversation: with which establishment (those that support the person today), its
    subject and the first message."""

    establishment = forms.ModelChoiceField(label="Établissement", queryset=None, empty_label=None)
    subject = forms.CharField(label="Objet", max_length=SUBJECT_MAX_LENGTH)
    field_order = ["establishment", "subject", "body", "attachment"]

    def __init__(self, *args, establishments, easy_read: bool = False, **kwargs):
        super().__init__(*args, easy_read=easy_read, **kwargs)
        self.fields["establishment"].queryset = establishments
        if len(establishments) == 1:
            self.fields["establishment"].initial = establishments[0]
        if easy_read:
            self.relabel("establishment", "À qui j'écris")
            self.relabel("subject", "De quoi je parle (en quelques mots)")


class InboxFilterForm(AccessibleFormMixin, forms.Form):
    etablissement = forms.TypedChoiceField(label="Établissement", required=False, coerce=str, empty_value="")
    non_lus = forms.BooleanField(label="Non lus seulement", required=False)

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].choices = [("", "Tous")] + [
            (str(e.uuid), e.name) for e in establishments
        ]
