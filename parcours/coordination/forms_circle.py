"""Forms of the circle of carers. They parse and validate; `parcours.coordination.circle` writes."""

from django import forms
from django.utils import timezone

from parcours.coordination.circle import FAMILY_ROLES, PROFESSIONAL_ROLES
from parcours.coordination.enums import CircleRole
from parcours.people.forms import AccessibleFormMixin, date_field
from parcours.records.forms_day import datetime_field


def member_name(member) -> str:
    """How a member is named on the circle's pages."""
    if member.relative_id:
        return str(member.relative)
    professional = getattr(member.user, "professional", None)
    if professional is not None:
        return str(professional)
    return member.user.get_full_name() or member.user.get_username()


def _role_choices(roles):
    return [("", "—")] + [(role.value, role.label) for role in roles]


class ProfessionalMemberForm(AccessibleFormMixin, forms.Form):
    """A professional joins through one of their memberships (team or direction) of a structure that
    supports the person or that the person consented to."""

    membership = forms.TypedChoiceField(label="Professionnel", coerce=int)
    role = forms.ChoiceField(label="Rôle dans le cercle", choices=_role_choices(PROFESSIONAL_ROLES))
    role_detail = forms.CharField(
        label="Précision du rôle",
        max_length=200,
        required=False,
        help_text="Facultative, par exemple « éducatrice référente » ou « infirmier ».",
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, prefix="pro", **kwargs)
        self.memberships = {membership.pk: membership for membership in memberships}
        self.fields["membership"].choices = [("", "—")] + [
            (membership.pk, f"{membership.professional} — {membership.establishment.name}")
            for membership in memberships
        ]

    def clean_membership(self):
        return self.memberships[self.cleaned_data["membership"]]


class FamilyMemberForm(AccessibleFormMixin, forms.Form):
    relative = forms.TypedChoiceField(label="Proche", coerce=int)
    role = forms.ChoiceField(label="Rôle dans le cercle", choices=_role_choices(FAMILY_ROLES))
    role_detail = forms.CharField(
        label="Précision du rôle",
        max_length=200,
        required=False,
        help_text="Facultative, par exemple « mère ».",
    )

    def __init__(self, *args, relatives, **kwargs):
        super().__init__(*args, prefix="famille", **kwargs)
        self.relatives = {relative.pk: relative for relative in relatives}
        self.fields["relative"].choices = [("", "—")] + [
            (relative.pk, f"{relative} ({relative.get_relationship_display()})") for relative in relatives
        ]

    def clean_relative(self):
        return self.relatives[self.cleaned_data["relative"]]


class TaskForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Tâche", max_length=300)
    owner = forms.ChoiceField(label="Confiée à")
    due_on = date_field("Échéance", required=False, help_text="Facultative.")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, prefix="tache", **kwargs)
        self.members = {str(member.uuid): member for member in members}
        self.fields["owner"].choices = [("", "—")] + [
            (str(member.uuid), f"{member_name(member)} ({CircleRole(member.role).label})")
            for member in members
        ]

    def clean_owner(self):
        return self.members[self.cleaned_data["owner"]]


class EventForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Intitulé", max_length=200, help_text="Rendez-vous ou activité.")
    starts_at = datetime_field("Début")
    ends_at = datetime_field("Fin", required=False, help_text="Facultative.")
    place = forms.CharField(label="Lieu", max_length=200, required=False)
    with_whom = forms.CharField(
        label="Avec qui", max_length=300, required=False, help_text="Par exemple « Dr Martin, psychiatre »."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="rdv", **kwargs)

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", "La fin précède le début.")
        if starts_at and starts_at.year < timezone.localdate().year - 1:
            self.add_error("starts_at", "Indiquez une date récente ou à venir.")
        return data
