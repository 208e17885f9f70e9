"""Template helpers of the dashboards: `{% load reporting %}`."""

from django import template
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from parcours.coordination.models import Notification
from parcours.organisations.models import AuthorityAgent
from parcours.staff.enums import Role
from parcours.staff.models import Membership

DIRECTIONS = (Role.ESTABLISHMENT_DIRECTOR, Role.GESTIONNAIRE_DIRECTOR)
# Who answers the families' messages: an establishment's team and its director.
IN_AN_ESTABLISHMENT = (Role.PROFESSIONAL, Role.ESTABLISHMENT_DIRECTOR)

register = template.Library()


@register.simple_tag(takes_context=True)
def has_dashboards(context) -> bool:
    """True when the signed-in user may open at least one dashboard (link in the navigation)."""
    return _links(context)[0]


@register.simple_tag(takes_context=True)
def has_finances(context) -> bool:
    """True when the signed-in user directs an establishment or a gestionnaire, whose yearly
    statements they read and import (link in the navigation)."""
    return _links(context)[1]


@register.simple_tag(takes_context=True)
def has_family_messages(context) -> bool:
    """True when the signed-in user works in an establishment's team or directs it, and so answers the
    messages of the persons supported and their families (link in the navigation)."""
    return _links(context)[2]


def _links(context) -> tuple[bool, bool, bool, int]:
    """(dashboards, finances, family messages, unread notices) of the navigation, in one query on the
    user's row: the roles come from the request's scope when the page computed it (`scope_of`, used by
    most pages anyway), from the same query otherwise. The pages themselves always check access."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not getattr(user, "is_authenticated", False):
        return False, False, False, 0
    answer = getattr(request, "_parcours_navigation_links", None)
    if answer is None:
        annotations = {
            "agent": Exists(AuthorityAgent.objects.active().filter(user=OuterRef("pk"))),
            "unread": Coalesce(
                Subquery(
                    Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
                    .order_by()
                    .values("user")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        }
        scope = getattr(user, "_parcours_scope", None)
        if scope is None:  # a page that needs no roles: they come with the same query
            annotations["directs"] = Exists(
                Membership.objects.active().filter(professional__user=OuterRef("pk"), role__in=DIRECTIONS)
            )
            annotations["in_team"] = Exists(
                Membership.objects.active().filter(
                    professional__user=OuterRef("pk"), role__in=IN_AN_ESTABLISHMENT
                )
            )
        row = get_user_model().objects.filter(pk=user.pk).annotate(**annotations).values(*annotations).get()
        if scope is not None:
            finances = bool(scope.directed or scope.gestionnaire_establishments)
            in_team = bool(scope.team or scope.directed)
        else:
            finances, in_team = row["directs"], row["in_team"]
        dashboards = finances or row["agent"]
        answer = request._parcours_navigation_links = (dashboards, finances, in_team, row["unread"])
    return answer


@register.simple_tag(takes_context=True)
def unread_notices(context) -> int:
    """The signed-in user's unread notifications (the navigation's counter)."""
    return _links(context)[3]


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
