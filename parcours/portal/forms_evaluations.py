"""Forms of the questionnaires: the direction's questionnaire and its questions, the person's answers."""

from django import forms

from parcours.people.forms import AccessibleFormMixin
from parcours.portal.enums import QuestionKind, Satisfaction
from parcours.portal.evaluations import QuestionInput

# Pictograms of the scale, from "pas du tout" to "très" satisfied, and of yes and no.
SCALE_PICTOS = {1: "😞", 2: "🙁", 3: "🙂", 4: "😀"}
YES_NO_PICTOS = {1: "👍", 0: "👎"}
EASY_SCALE_LABELS = {1: "Pas du tout", 2: "Pas trop", 3: "Oui, un peu", 4: "Oui, beaucoup"}


class QuestionnaireForm(AccessibleFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(label="Établissement", queryset=None, empty_label=None)
    title = forms.CharField(label="Titre", max_length=200)
    easy_title = forms.CharField(label="Titre en facile à lire", max_length=200, required=False)
    introduction = forms.CharField(
        label="Présentation", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )
    easy_introduction = forms.CharField(
        label="Présentation en facile à lire",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="Des phrases courtes, une idée par ligne.",
    )
    opens_on = forms.DateField(label="Ouvert du")
    closes_on = forms.DateField(label="Au (inclus)", required=False, help_text="Laisser vide : sans fin.")

    def __init__(self, *args, establishments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["establishment"].queryset = establishments

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("opens_on"), cleaned.get("closes_on")
        if start and end and end < start:
            self.add_error("closes_on", "La fermeture précède l'ouverture.")
        return cleaned


class QuestionForm(AccessibleFormMixin, forms.Form):
    text = forms.CharField(label="Question", max_length=300, required=False)
    easy_text = forms.CharField(label="En facile à lire", max_length=300, required=False)
    kind = forms.ChoiceField(label="Type de réponse", choices=QuestionKind.choices)


QuestionFormSet = forms.formset_factory(QuestionForm, extra=2, can_delete=True, max_num=30, validate_max=True)


def question_inputs(formset) -> list[QuestionInput]:
    """The questions kept, in their order (empty and deleted rows left out)."""
    return [
        QuestionInput(
            form.cleaned_data["text"], form.cleaned_data.get("easy_text", ""), form.cleaned_data["kind"]
        )
        for form in formset.forms
        if form.cleaned_data
        and form.cleaned_data.get("text", "").strip()
        and not form.cleaned_data.get("DELETE")
    ]


def field_name(question) -> str:
    return f"q{question.pk}"


class AnswerForm(forms.Form):
    """One field per question, all optional (at least one answer, checked by the service), and the
    choice to show the answers to the team (off unless ticked)."""

    shared_with_team = forms.BooleanField(label="Je veux que l'équipe voie mes réponses", required=False)

    def __init__(self, *args, questions, easy_read: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            label = (question.easy_text or question.text) if easy_read else question.text
            if question.kind == QuestionKind.SCALE:
                labels = EASY_SCALE_LABELS if easy_read else dict(Satisfaction.choices)
                field = forms.TypedChoiceField(
                    choices=[(value, labels[value]) for value in SCALE_PICTOS], coerce=int, empty_value=None
                )
                field.widget = forms.RadioSelect(choices=field.choices)
            elif question.kind == QuestionKind.YES_NO:
                field = forms.TypedChoiceField(choices=[(1, "Oui"), (0, "Non")], coerce=int, empty_value=None)
                field.widget = forms.RadioSelect(choices=field.choices)
            else:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
            field.required = False
            field.label = label
            self.fields[field_name(question)] = field
        if easy_read:
            self.fields["shared_with_team"].label = "L'équipe peut voir mes réponses"

    def entries(self):
        """Each question with its bound field and, for choices, (radio, pictogram) pairs."""
        for question in self.questions:
            bound = self[field_name(question)]
            pictos = SCALE_PICTOS if question.kind == QuestionKind.SCALE else YES_NO_PICTOS
            options = (
                [(radio, pictos[int(radio.data["value"])]) for radio in bound]
                if question.kind != QuestionKind.TEXT
                else []
            )
            yield {"question": question, "field": bound, "options": options}

    def answers(self) -> dict[int, int | str]:
        return {question.pk: self.cleaned_data.get(field_name(question)) for question in self.questions}
