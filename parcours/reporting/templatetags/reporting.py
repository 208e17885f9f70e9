"""Template helpers of the dashboards: `{% load reporting %}`."""

from django import template
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.urls import reverse

from parcours.access.policy import scope_of
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


def _links(context) -> tuple[bool, bool, bool]:
    """(dashboards, finances, family messages) of the navigation, from the user's roles of the
    request (`scope_of`, computed once per request and used by most pages anyway), plus one query for
    an authority's agent. The pages themselves always check access."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not getattr(user, "is_authenticated", False):
        return False, False, False
    answer = getattr(request, "_parcours_navigation_links", None)
    if answer is None:
        if getattr(user, "_parcours_scope", None) is not None:  # the page computed the roles already
            scope = scope_of(user)
            finances = bool(scope.directed or scope.gestionnaire_establishments)
            dashboards = finances or AuthorityAgent.objects.active().filter(user=user).exists()
            in_team = bool(scope.team or scope.directed)
        else:  # a page that needs no roles: every answer in one query
            finances, dashboards, in_team = (
                get_user_model()
                .objects.filter(pk=user.pk)
                .annotate(
                    directs=Exists(
                        Membership.objects.active().filter(
                            professional__user=OuterRef("pk"), role__in=DIRECTIONS
                        )
                    ),
                    agent=Exists(AuthorityAgent.objects.active().filter(user=OuterRef("pk"))),
                    in_team=Exists(
                        Membership.objects.active().filter(
                            professional__user=OuterRef("pk"), role__in=IN_AN_ESTABLISHMENT
                        )
                    ),
                )
                .values_list("directs", "agent", "in_team")
                .get()
            )
            dashboards = dashboards or finances
        answer = request._parcours_navigation_links = (dashboards, finances, in_team)
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
