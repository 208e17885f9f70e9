"""Forms of the person's day (presence, agenda). They parse and validate; `parcours.records.daily`
writes."""

from django import forms
from django.utils import timezone

from parcours.people.forms import AccessibleFormMixin, date_field
from parcours.records.enums import AbsenceReason, AgendaKind, PresenceStatus
from parcours.records.forms import EstablishmentFormMixin

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%Hh%M", "%H h %M"]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def time_field(label: str, *, required: bool = False, help_text: str = "") -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=TimeInput(),
        input_formats=TIME_INPUT_FORMATS,
    )


def datetime_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeInput(),
        input_formats=DATETIME_INPUT_FORMATS,
    )


ABSENCE_CHOICES = [("", "—")] + list(AbsenceReason.choices)


class PresenceForm(AccessibleFormMixin, EstablishmentFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(label="Établissement", queryset=None)
    date = date_field("Jour")
    status = forms.ChoiceField(label="Présence", choices=PresenceStatus.choices, widget=forms.RadioSelect)
    arrived_at = time_field("Heure d'arrivée", help_text="Pour une présence.")
    left_at = time_field("Heure de départ", help_text="Facultative.")
    absence_reason = forms.ChoiceField(
        label="Motif d'absence", choices=ABSENCE_CHOICES, required=False, help_text="Pour une absence."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())


class AgendaEntryForm(AccessibleFormMixin, EstablishmentFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(label="Établissement", queryset=None)
    kind = forms.ChoiceField(label="Type", choices=AgendaKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label="Intitulé", max_length=200, help_text="Ce que la famille lira.")
    starts_at = datetime_field("Début")
    ends_at = datetime_field("Fin", required=False, help_text="Facultative.")
    place = forms.CharField(label="Lieu", max_length=200, required=False)
    shareable = forms.BooleanField(
        label="Visible par la personne et sa famille", required=False, initial=True
    )


SHEET_STATUS_CHOICES = [("", "Pas noté"), *PresenceStatus.choices]


class PresenceSheetForm(AccessibleFormMixin, forms.Form):
    """One line per person expected: present (with the arrival time) or absent (with a reason); a
    line left "Pas noté" is not written."""

    def __init__(self, *args, persons, presences, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = []
        for person in persons:
            key = person.uuid.hex
            presence = presences.get(person.pk)
            self.fields[f"status_{key}"] = forms.ChoiceField(
                label=f"Présence de {person.display_name}",
                choices=SHEET_STATUS_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial=presence.status if presence else "",
            )
            self.fields[f"arrived_{key}"] = time_field(f"Arrivée de {person.display_name}")
            self.fields[f"reason_{key}"] = forms.ChoiceField(
                label=f"Motif d'absence de {person.display_name}", choices=ABSENCE_CHOICES, required=False
            )
            if presence is not None:
                self.initial[f"arrived_{key}"] = presence.arrived_at
                self.initial[f"reason_{key}"] = presence.absence_reason
            self.lines.append(
                {
                    "person": person,
                    "presence": presence,
                    "status": self[f"status_{key}"],
                    "arrived_at": self[f"arrived_{key}"],
                    "reason": self[f"reason_{key}"],
                }
            )

    def entries(self) -> list[tuple]:
        """(person, status, arrived_at, absence_reason) of the lines noted, once the form is valid."""
        rows = []
        for line in self.lines:
            key = line["person"].uuid.hex
            status = self.cleaned_data.get(f"status_{key}")
            if status:
                rows.append(
                    (
                        line["person"],
                        status,
                        self.cleaned_data.get(f"arrived_{key}"),
                        self.cleaned_data.get(f"reason_{key}") or "",
                    )
                )
        return rows
