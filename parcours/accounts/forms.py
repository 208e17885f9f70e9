from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from parcours.access.journal import client_ip
from parcours.accounts import services
from parcours.accounts.passwords import RULES

WRONG_CODE = "Code incorrect. Vérifiez que l'heure de votre téléphone est juste, puis réessayez."


class LoginForm(AuthenticationForm):
    """Django's authentication form with French wording and browser autocomplete hints.

    The lockout (ThrottledModelBackend) refuses a locked username or address with the same message
    whether or not the username exists and whatever the password."""

    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé. Adressez-vous à la personne qui administre Parcours.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Identifiant"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].label = "Mot de passe"
        self.fields["password"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            # Tie both fields to the error message so screen readers announce it with the field.
            for name in ("username", "password"):
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": "login-error"}
                )
            username = self.cleaned_data.get("username")
            if services.login_locked(username=username, address=client_ip(self.request)):
                raise ValidationError(services.lockout_message(), code="locked") from error
            raise


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            max_length=32,
            widget=forms.TextInput(
                attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
            ),
            **kwargs,
        )


class SecondFactorForm(forms.Form):
    """The code asked after the password: the app's 6 digits, or one recovery code."""

    code = CodeField(
        label="Code de vérification",
        help_text="Les 6 chiffres affichés par votre application d'authentification. Sans votre "
        "téléphone, saisissez l'un de vos codes de secours.",
        error_messages={"required": "Saisissez le code affiché par votre application."},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        self.device = None
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"]
        self.device = services.verify_second_factor(self.user, code)
        if self.device is None:
            raise ValidationError(WRONG_CODE, code="wrong_code")
        return code


class EnrolForm(forms.Form):
    code = CodeField(
        label="Code à 6 chiffres affiché par l'application",
        error_messages={"required": "Saisissez le code affiché par votre application."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["inputmode"] = "numeric"


class PasswordChangeFrenchForm(PasswordChangeForm):
    """Django's form (its French labels and messages), with the rules said in one plain sentence."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "new_password1"
        ].help_text = (
            f"Au choix : {RULES}. Évitez les mots de passe courants et ceux qui ressemblent à votre nom."
        )
