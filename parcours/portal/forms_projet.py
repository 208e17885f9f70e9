"""Forms of the projet personnalisé in the person's space: agree, ask for changes, comment.

Each form names the version it answers (its number), so that an answer given on a page opened
before the team changed the projet is refused rather than applied to a text the person did not read.
"""

from django import forms

from parcours.people.forms import AccessibleFormMixin


class ProjetAnswerForm(AccessibleFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, projet=None, **kwargs):
        # Several projets on one page (one per establishment): unique ids, the same field names.
        if projet is not None:
            kwargs.setdefault("auto_id", f"id_{projet.uuid.hex[:8]}_{self.id_part}_%s")
        super().__init__(*args, **kwargs)


class AgreeForm(ProjetAnswerForm):
    id_part = "accord"
    confirm = forms.BooleanField(
        label="J'ai lu le projet et je suis d'accord",
        error_messages={
            "required": "Cochez la case pour dire que vous avez lu le projet et que vous êtes d'accord."
        },
    )


class ChangesForm(ProjetAnswerForm):
    id_part = "changements"
    text = forms.CharField(
        label="Ce que je veux changer",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Écrivez ce que vous voulez changer."},
    )


class CommentForm(ProjetAnswerForm):
    id_part = "commentaire"
    text = forms.CharField(
        label="Mon commentaire",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Écrivez votre commentaire."},
    )
