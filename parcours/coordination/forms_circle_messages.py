"""Forms of the circle's conversations: a new conversation, an answer."""

from django import forms

from parcours.coordination.circle_messages import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH
from parcours.coordination.enums import ThreadAudience
from parcours.people.forms import AccessibleFormMixin

AUDIENCE_HELP = (
    "Entre professionnels : les aidants familiaux du cercle ne la lisent pas. Avec la famille : les "
    "aidants familiaux du cercle la lisent et y répondent depuis leur espace."
)


class CircleReplyForm(AccessibleFormMixin, forms.Form):
    body = forms.CharField(
        label="Votre message", max_length=BODY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, easy_read: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if easy_read:
            self.fields["body"].label = self["body"].label = "J'écris mon message"


class CircleThreadForm(CircleReplyForm):
    audience = forms.ChoiceField(
        label="Avec qui",
        choices=ThreadAudience.choices,
        initial=ThreadAudience.TEAM,
        widget=forms.RadioSelect,
        help_text=AUDIENCE_HELP,
    )
    subject = forms.CharField(label="Objet", max_length=SUBJECT_MAX_LENGTH)
    field_order = ["audience", "subject", "body"]
