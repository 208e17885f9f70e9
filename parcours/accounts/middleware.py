"""Session expiry and the second-factor gate, both after Django's AuthenticationMiddleware."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from parcours.accounts import policy
from parcours.accounts.enums import SecondFactorStep

LOGIN_TIME_KEY = "parcours_login_time"
LAST_ACTIVITY_KEY = "parcours_last_activity"
# The last activity is written at most once a minute: a request does not write the session every time.
ACTIVITY_RESOLUTION = 60

SECOND_FACTOR_URLS = {
    SecondFactorStep.VERIFY: "accounts:two_factor_verify",
    SecondFactorStep.ENROL: "accounts:two_factor_enrol",
}


def start_session_clock(session, now: float | None = None) -> None:
    """At login: the session's absolute lifetime and its inactivity delay start now."""
    session[LOGIN_TIME_KEY] = session[LAST_ACTIVITY_KEY] = int(now if now is not None else time.time())


def redirect(request, url: str) -> HttpResponse:
    """A redirect that also takes the whole page away from an htmx request (no login form in a fragment)."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def second_factor_exempt(view_func):
    """Marks a view a password-authenticated user reaches before the second factor (logout, the
    second-factor pages themselves)."""
    view_func.second_factor_exempt = True
    return view_func


def minutes(seconds: int) -> str:
    value = max(1, round(seconds / 60))
    if value % 60 == 0:
        hours = value // 60
        return f"{hours} heure{'s' if hours > 1 else ''}"
    return f"{value} minute{'s' if value > 1 else ''}"


class SessionTimeoutMiddleware:
    """Logs out a user inactive for PARCOURS_SESSION_IDLE_TIMEOUT seconds, or logged in for more than
    SESSION_COOKIE_AGE seconds, and sends them to the login page with a message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self.expired(request)
            if expired:
                logout(request)
                messages.warning(request, expired)
                # Back to the page after the new login, when it can be reached again by a link.
                target = request.get_full_path() if request.method == "GET" else None
                login_url = redirect_to_login(target).url if target else reverse(settings.LOGIN_URL)
                return redirect(request, login_url)
        return self.get_response(request)

    def expired(self, request) -> str | None:
        session = request.session
        now = time.time()
        login_time = session.get(LOGIN_TIME_KEY)
        last_activity = session.get(LAST_ACTIVITY_KEY)
        if login_time is None or last_activity is None:
            # A session opened by another way in (the admin's login page): its clock starts now.
            start_session_clock(session, now)
            return None
        idle = settings.PARCOURS_SESSION_IDLE_TIMEOUT
        if now - last_activity > idle:
            return (
                f"Votre session a expiré après {minutes(idle)} sans activité. "
                "Reconnectez-vous pour continuer."
            )
        if now - login_time > settings.SESSION_COOKIE_AGE:
            return (
                f"Votre session a atteint sa durée maximale ({minutes(settings.SESSION_COOKIE_AGE)}). "
                "Reconnectez-vous pour continuer."
            )
        if now - last_activity >= ACTIVITY_RESOLUTION:
            session[LAST_ACTIVITY_KEY] = int(now)
        return None


class SecondFactorMiddleware:
    """Sends a user who gave only their password to the code page, or to set up an authentication
    app, before any page that needs a login. Public pages (login_not_required) and the views marked
    second_factor_exempt stay reachable. Needs django-otp's OTPMiddleware before it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        public = not getattr(view_func, "login_required", True)
        if public or getattr(view_func, "second_factor_exempt", False):
            return None
        step = policy.second_factor_step(request.user)
        if step is None:
            return None
        url = reverse(SECOND_FACTOR_URLS[step])
        return redirect(request, f"{url}?{urlencode({'next': request.get_full_path()})}")
