import logging
from base64 import b32encode
from binascii import unhexlify
from functools import wraps
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from parcours.access.journal import client_ip
from parcours.accounts import policy, services
from parcours.accounts.enums import ExternalLoginRefusal, SecondFactorStep
from parcours.accounts.forms import EnrolForm, LoginForm, PasswordChangeFrenchForm, SecondFactorForm
from parcours.accounts.middleware import SECOND_FACTOR_URLS, second_factor_exempt, start_session_clock
from parcours.integrations import oidc

logger = logging.getLogger(__name__)

PENDING_KEY = "parcours_totp_pending_key"
DEMO_WARNING = "Démonstration : double authentification désactivée"
ASK_ADMINISTRATOR = "Adressez-vous à la personne qui administre Parcours dans votre structure."


def safe_next(request) -> str:
    """The page asked for before the login, if it is on this site; the home page otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def second_factor_url(step: SecondFactorStep, next_url: str) -> str:
    return f"{reverse(SECOND_FACTOR_URLS[step])}?{urlencode({'next': next_url})}"


def end_locked_session(request):
    """Too many wrong codes: the half-open session ends and the login page says why."""
    logout(request)
    messages.error(request, services.lockout_message())
    return redirect("accounts:login")


def complete_login(request, device) -> None:
    """The second factor is verified: mark the session (django-otp), give it a new key, and forget
    the username's failed attempts."""
    django_otp.login(request, device)
    request.session.cycle_key()
    services.reset_login_failures(username=request.user.get_username())


def continue_login(request, user, next_url: str, *, verified: bool = False):
    """After the first step (the password, or the provider): the second factor when one is still
    needed, otherwise the page asked for."""
    start_session_clock(request.session)
    step = None if verified else policy.second_factor_step(user)
    if step is not None:
        return HttpResponseRedirect(second_factor_url(step, next_url))
    services.reset_login_failures(username=user.get_username())
    if not settings.PARCOURS_REQUIRE_2FA:
        messages.warning(request, DEMO_WARNING)
    return HttpResponseRedirect(next_url)


def grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """The password, then (middleware or here) the code or the set-up of an authentication app."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "oidc_name": oidc.provider_name() if oidc.enabled() else "",
        }

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        return continue_login(self.request, user, self.get_success_url())


@method_decorator(second_factor_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or a prefetch cannot log the user out. A user who came
    through the OpenID Connect provider is then sent to end their session there too, when the
    provider has an end_session_endpoint."""

    def post(self, request, *args, **kwargs):
        via_provider = oidc.enabled() and request.session.get(BACKEND_SESSION_KEY) == oidc.BACKEND
        response = super().post(request, *args, **kwargs)
        provider_logout = oidc.end_session_url(request) if via_provider else None
        return HttpResponseRedirect(provider_logout) if provider_logout else response


def external_login_message(reason: ExternalLoginRefusal) -> str:
    name = oidc.provider_name()
    return {
        ExternalLoginRefusal.UNKNOWN: f"Aucun compte Parcours n'est relié à votre identité {name}. "
        + ASK_ADMINISTRATOR,
        ExternalLoginRefusal.AMBIGUOUS: "Plusieurs comptes Parcours portent votre adresse e-mail : "
        "votre identité ne peut pas être reliée automatiquement. " + ASK_ADMINISTRATOR,
        ExternalLoginRefusal.INACTIVE: "Ce compte est désactivé. " + ASK_ADMINISTRATOR,
        ExternalLoginRefusal.LOCKED: services.lockout_message(),
        ExternalLoginRefusal.CANCELLED: f"La connexion avec {name} n'a pas abouti. Réessayez, ou "
        "connectez-vous avec votre identifiant et votre mot de passe.",
        ExternalLoginRefusal.INVALID: f"La réponse de {name} n'a pas pu être vérifiée : la connexion "
        "est refusée. Recommencez depuis cette page.",
        ExternalLoginRefusal.UNAVAILABLE: f"{name} ne répond pas pour le moment. Réessayez dans "
        "quelques minutes, ou connectez-vous avec votre identifiant et votre mot de passe.",
    }[reason]


def refuse_external_login(request, reason: ExternalLoginRefusal, *, username: str | None = None):
    """Back to the login page with the reason in French; the failure counts as a wrong password
    does (for the account when one was found, and for the address)."""
    logger.info("connexion par le fournisseur d'identité refusée : %s", reason.value)
    if reason != ExternalLoginRefusal.LOCKED:
        locked = services.record_login_failure(username=username, address=client_ip(request))
        if locked:
            reason = ExternalLoginRefusal.LOCKED
    messages.error(request, external_login_message(reason))
    return redirect("accounts:login")


def oidc_required(view_func):
    """The provider's pages exist only when a provider is configured."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        if not oidc.enabled():
            raise Http404
        return view_func(request, *args, **kwargs)

    return wrapped


@method_decorator([login_not_required, second_factor_exempt, oidc_required], name="dispatch")
class OIDCLoginView(oidc.AuthenticationRequestView):
    """« Se connecter avec … »: to the provider's login page (a locked address goes no further)."""

    def get(self, request):
        if services.login_locked(username=None, address=client_ip(request)):
            return refuse_external_login(request, ExternalLoginRefusal.LOCKED)
        try:
            return super().get(request)
        except services.ExternalLoginRefused as refused:
            return refuse_external_login(request, refused.reason, username=refused.username)


@method_decorator([login_not_required, second_factor_exempt, oidc_required], name="dispatch")
class OIDCCallbackView(oidc.AuthenticationCallbackView):
    """Back from the provider: the account it opens, then the second factor as after a password
    (unless the provider asserted a multi-factor authentication it is trusted for)."""

    def get(self, request):
        if request.GET.get("error"):
            # Cancelled or refused at the provider: its state cannot be used again.
            states = request.session.get("oidc_states", {})
            if states.pop(request.GET.get("state"), None) is not None:
                request.session.modified = True
            return refuse_external_login(request, ExternalLoginRefusal.CANCELLED)
        try:
            return super().get(request)
        except SuspiciousOperation:
            # A state this browser never sent (forged, replayed, or from another browser).
            return refuse_external_login(request, ExternalLoginRefusal.INVALID)
        except services.ExternalLoginRefused as refused:
            return refuse_external_login(request, refused.reason, username=refused.username)

    def login_failure(self):
        return refuse_external_login(self.request, ExternalLoginRefusal.INVALID)

    def login_success(self):
        request, user = self.request, self.user
        verified = getattr(user, "otp_device", None) is not None
        # Django's login gives the session a new key; django-otp's handler of its signal marks the
        # session verified when the backend set user.otp_device (the provider's multi-factor acr).
        auth_login(request, user)
        next_url = request.session.pop("oidc_login_next", None) or resolve_url(settings.LOGIN_REDIRECT_URL)
        return continue_login(request, user, next_url, verified=verified)


@method_decorator([second_factor_exempt, sensitive_post_parameters("code")], name="dispatch")
class SecondFactorVerifyView(FormView):
    """The code asked after the password, for a user who set up an authentication app."""

    template_name = "accounts/two_factor_verify.html"
    form_class = SecondFactorForm

    def dispatch(self, request, *args, **kwargs):
        step = policy.second_factor_step(request.user)
        if step is None:
            return redirect(safe_next(request))
        if step == SecondFactorStep.ENROL:
            return redirect(second_factor_url(step, safe_next(request)))
        if services.login_locked(username=request.user.get_username(), address=client_ip(request)):
            return end_locked_session(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": safe_next(self.request)}

    def form_valid(self, form):
        next_url = safe_next(self.request)
        complete_login(self.request, form.device)
        if isinstance(form.device, StaticDevice):
            left = services.remaining_recovery_codes(self.request.user)
            messages.warning(
                self.request,
                f"Vous avez utilisé un code de secours : il vous en reste {left}. "
                "Générez-en de nouveaux depuis la page « Sécurité du compte ».",
            )
        return redirect(next_url)

    def form_invalid(self, form):
        if form.has_error("code", "wrong_code"):
            locked = services.record_login_failure(
                username=self.request.user.get_username(), address=client_ip(self.request)
            )
            if locked:
                return end_locked_session(self.request)
        return super().form_invalid(form)


@method_decorator([second_factor_exempt, sensitive_post_parameters("code")], name="dispatch")
class SecondFactorEnrolView(FormView):
    """Set up an authentication app: a QR code (SVG made here) and the key in text, confirmed by a
    first code; then the recovery codes, shown once. Also how a verified user changes phones."""

    template_name = "accounts/two_factor_enrol.html"
    form_class = EnrolForm

    def dispatch(self, request, *args, **kwargs):
        if policy.second_factor_step(request.user) == SecondFactorStep.VERIFY:
            # Whoever has only the password must not replace the app of an account that has one.
            return redirect(second_factor_url(SecondFactorStep.VERIFY, safe_next(request)))
        return super().dispatch(request, *args, **kwargs)

    def pending_key(self) -> str:
        key = self.request.session.get(PENDING_KEY)
        if not key:
            key = self.request.session[PENDING_KEY] = services.new_totp_key()
        return key

    def get_context_data(self, **kwargs):
        key = self.pending_key()
        uri = services.unsaved_totp_device(self.request.user, key).config_url
        qr = segno.make(uri, error="m")
        return {
            **super().get_context_data(**kwargs),
            "qr_code": qr.svg_data_uri(scale=5, border=2),
            "otpauth_uri": uri,
            "secret": grouped(b32encode(unhexlify(key)).decode()),
            "next": safe_next(self.request),
            "replacing": TOTPDevice.objects.devices_for_user(self.request.user, confirmed=True).exists(),
        }

    def form_valid(self, form):
        enrolled = services.enrol_totp_device(
            self.request.user, key=self.pending_key(), code=form.cleaned_data["code"]
        )
        if enrolled is None:
            form.add_error(
                "code",
                "Ce code ne correspond pas. Vérifiez que l'heure de votre téléphone est juste, puis "
                "saisissez le code affiché maintenant.",
            )
            return self.form_invalid(form)
        device, codes = enrolled
        next_url = safe_next(self.request)
        del self.request.session[PENDING_KEY]
        complete_login(self.request, device)
        return render_recovery_codes(self.request, codes, next_url, enrolled=True)


def render_recovery_codes(request, codes: list[str], next_url: str, *, enrolled: bool):
    """Shown once, never stored in clear: the page is not cached (Cache-Control: no-store)."""
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": [grouped(code) for code in codes], "next": next_url, "enrolled": enrolled},
    )


class SecurityView(TemplateView):
    """The user's own security page: password, authentication app, recovery codes."""

    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
        return {
            **super().get_context_data(**kwargs),
            "device": device,
            "recovery_codes_left": services.remaining_recovery_codes(user) if device else 0,
            "second_factor_required": policy.second_factor_required(user),
        }


@method_decorator(require_POST, name="dispatch")
class RecoveryCodesView(View):
    """New recovery codes (the old ones stop working), for a user with an authentication app."""

    def post(self, request):
        if not TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
            return redirect("accounts:two_factor_enrol")
        codes = services.replace_recovery_codes(request.user)
        return render_recovery_codes(request, codes, reverse("accounts:security"), enrolled=False)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view: checks the current password, keeps this session open, ends the others."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeFrenchForm
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Votre mot de passe a été modifié.")
        return response
