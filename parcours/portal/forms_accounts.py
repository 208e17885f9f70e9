"""Forms of the accounts of the person's space: the team's invitation, the acceptance, the printed
code, and the rights the person gives a relative."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from parcours.access.enums import PortalRight, PortalRole
from parcours.portal.invitations import (
    DECIDED_BY_PERSON,
    DECIDED_BY_REPRESENTATIVE,
    DELIVERY_EMAIL,
    DELIVERY_PRINTED,
    protections_in_force,
)

ROLE_CHOICES = [
    (PortalRole.PERSON, "La personne elle-même"),
    (PortalRole.RELATIVE, "Un proche"),
    (PortalRole.REPRESENTATIVE, "Son représentant légal"),
]
RIGHT_CHOICES = PortalRight.choices
# The same rights in plain words, for the easy-read mode and the person's page.
RIGHTS_EASY = {
    PortalRight.DAY: "Voir ma journée",
    PortalRight.PROJET: "Lire mon projet",
    PortalRight.MESSAGES: "Écrire à l'équipe",
}


class InvitationForm(forms.Form):
    role = forms.ChoiceField(
        label="Qui invitez-vous ?",
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez qui vous invitez."},
    )
    relative = forms.ModelChoiceField(
        label="Le proche",
        queryset=None,
        required=False,
        empty_label="—",
        help_text="Pour un proche, et pour un représentant légal qui est un proche.",
        error_messages={"invalid_choice": "Choisissez un proche de la liste."},
    )
    protection = forms.ModelChoiceField(
        label="La mesure de protection",
        queryset=None,
        required=False,
        empty_label="—",
        help_text="Pour un représentant légal : une mesure en cours.",
        error_messages={"invalid_choice": "Choisissez une mesure en cours de la liste."},
    )
    rights = forms.MultipleChoiceField(
        label="Les droits du proche",
        choices=RIGHT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ceux que la personne (ou son représentant légal) a choisis.",
        error_messages={"invalid_choice": "Droit inconnu."},
    )
    decided_by = forms.ChoiceField(
        label="Droits choisis par",
        choices=[
            (DECIDED_BY_PERSON, "La personne elle-même"),
            (DECIDED_BY_REPRESENTATIVE, "Son représentant légal"),
        ],
        initial=DECIDED_BY_PERSON,
        widget=forms.RadioSelect,
        required=False,
    )
    delivery = forms.ChoiceField(
        label="Comment transmettre l'invitation ?",
        choices=[
            (DELIVERY_EMAIL, "Par courriel : un lien à usage unique"),
            (DELIVERY_PRINTED, "Sur papier : un code à remettre en main propre"),
        ],
        initial=DELIVERY_EMAIL,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez comment transmettre l'invitation."},
    )
    email = forms.EmailField(
        label="Adresse électronique",
        required=False,
        max_length=254,
        help_text="Laissez vide pour utiliser l'adresse enregistrée du proche ou de la personne.",
        error_messages={"invalid": "Saisissez une adresse électronique valide."},
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["relative"].queryset = person.relatives.order_by("last_name", "first_name", "pk")
        self.fields["relative"].label_from_instance = lambda r: f"{r} ({r.get_relationship_display()})"
        self.fields["protection"].queryset = protections_in_force(person).order_by("-start_date", "pk")
        self.fields["protection"].label_from_instance = lambda p: (
            f"{p.get_measure_display()}, exercée par {p.representative_display}, "
            f"depuis le {p.start_date:%d/%m/%Y}"
        )
        self.fields["email"].widget.attrs.update({"autocomplete": "off"})

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role != PortalRole.RELATIVE:
            data["rights"] = []
        if role == PortalRole.PERSON:
            data["relative"] = None
        if role != PortalRole.REPRESENTATIVE:
            data["protection"] = None
        data["decided_by"] = data.get("decided_by") or DECIDED_BY_PERSON
        if data.get("delivery") == DELIVERY_EMAIL and role and not self.errors:
            data["email"] = data.get("email") or self.known_address(data)
            if not data["email"]:
                self.add_error(
                    "email", "Aucune adresse n'est enregistrée pour cette personne : saisissez-en une."
                )
        elif data.get("delivery") == DELIVERY_PRINTED:
            data["email"] = ""
        return data

    def known_address(self, data) -> str:
        if data["role"] == PortalRole.PERSON:
            return self.person.email
        relative = data.get("relative")
        protection = data.get("protection")
        if relative is None and protection is not None:
            relative = protection.representative_relative
        return relative.email if relative is not None else ""

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "relative": data["relative"],
            "protection": data["protection"],
            "rights": data["rights"],
            "decided_by": data["decided_by"],
            "email": data["email"],
        }


class AccountForm(forms.Form):
    """Choose a username and a password (twice), checked by the site's password rules."""

    username = forms.CharField(
        label="Identifiant",
        max_length=150,
        validators=[
            UnicodeUsernameValidator(message="Utilisez seulement des lettres, des chiffres et @ . + - _")
        ],
        help_text="Le nom avec lequel vous vous connecterez. Lettres, chiffres et @ . + - _ seulement.",
        error_messages={"required": "Choisissez un identifiant."},
    )
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choisissez un mot de passe."},
    )
    password2 = forms.CharField(
        label="Mot de passe, encore une fois",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Saisissez le mot de passe une deuxième fois."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        elif first:
            candidate = get_user_model()(username=data.get("username", ""))
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class AttachForm(forms.Form):
    """A login already open confirms its password before taking the invitation."""

    password = forms.CharField(
        label="Votre mot de passe actuel",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Saisissez votre mot de passe."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("Mot de passe incorrect.", code="wrong_password")
        return password


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code de l'invitation",
        max_length=40,
        help_text="12 lettres et chiffres, par exemple ABCD-EFGH-JKMN. Majuscules ou minuscules, "
        "avec ou sans tirets.",
        error_messages={"required": "Saisissez le code inscrit sur votre invitation."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "autocapitalize": "characters", "spellcheck": "false"}
        )


class RightsForm(forms.Form):
    """The rights of one relative, chosen by the person (or their legal representative)."""

    rights = forms.MultipleChoiceField(
        label="Ce que ce proche peut faire",
        choices=RIGHT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Droit inconnu."},
    )

    def __init__(self, *args, easy_read=False, **kwargs):
        super().__init__(*args, **kwargs)
        if easy_read:
            self.fields["rights"].choices = [(value, RIGHTS_EASY[value]) for value, _ in RIGHT_CHOICES]
            self.fields["rights"].label = "Ce que cette personne peut faire"
