from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
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
from parcours.accounts.enums import SecondFactorStep
from parcours.accounts.forms import EnrolForm, LoginForm, PasswordChangeFrenchForm, SecondFactorForm
from parcours.accounts.middleware import SECOND_FACTOR_URLS, second_factor_exempt, start_session_clock

PENDING_KEY = "parcours_totp_pending_key"
DEMO_WARNING = "Démonstration : double authentification désactivée"


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


def grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    """The password, then (middleware or here) the code or the set-up of an authentication app."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        start_session_clock(self.request.session)
        next_url = self.get_success_url()
        step = policy.second_factor_step(user)
        if step is not None:
            return HttpResponseRedirect(second_factor_url(step, next_url))
        services.reset_login_failures(username=user.get_username())
        if not settings.PARCOURS_REQUIRE_2FA:
            messages.warning(self.request, DEMO_WARNING)
        return HttpResponseRedirect(next_url)


@method_decorator(second_factor_exempt, name="dispatch")
class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or a prefetch cannot log the user out."""


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
