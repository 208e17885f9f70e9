from django import forms

from parcours.access.audit import Period

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
