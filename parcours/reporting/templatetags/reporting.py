"""Template helpers of the dashboards: `{% load reporting %}`."""

import time

from django import template
from django.urls import reverse

from parcours.reporting import permissions

register = template.Library()

# Whether the user has dashboards, kept in the session a few minutes so that the navigation of
# every page does not query the user's roles again. The pages themselves always check access.
SESSION_KEY = "reporting_has_dashboards"
SESSION_SECONDS = 300


@register.simple_tag(takes_context=True)
def has_dashboards(context) -> bool:
    """True when the signed-in user may open at least one dashboard (link in the navigation)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not getattr(user, "is_authenticated", False):
        return False
    session = getattr(request, "session", None)
    remembered = session.get(SESSION_KEY) if session is not None else None
    now = time.time()
    if remembered and remembered[0] == user.pk and now - remembered[2] < SESSION_SECONDS:
        return bool(remembered[1])
    answer = bool(permissions.dashboard_scopes(user))
    if session is not None:
        session[SESSION_KEY] = [user.pk, answer, now]
    return answer


@register.simple_tag
def dashboard_url(scope, query: str = "") -> str:
    url = reverse("reporting:dashboard", kwargs={"scope": scope})
    return f"{url}?{query}" if query else url


@register.simple_tag
def export_url(scope, extension: str, query: str = "", key: str = "") -> str:
    """The download address of the page (`key` empty, XLSX) or of one of its tables."""
    url = reverse(f"reporting:export_{extension}", kwargs={"scope": scope})
    parameters = [part for part in (query,) if part]
    if key:
        name = "tableau" if key in ("evolution", "detail") else "indicateur"
        parameters.append(f"{name}={key}")
    return f"{url}?{'&'.join(parameters)}" if parameters else url
