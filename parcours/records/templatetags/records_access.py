"""Which correction links the record pages show: `{% load records_access %}`."""

from django import template

from parcours.access.policy import scope_of
from parcours.records import services

register = template.Library()


@register.filter
def writes_for(user, establishment) -> bool:
    """`{% if can_write and request.user|writes_for:item.establishment %}`: the user writes in this
    establishment's name, so may correct what it wrote (no query: the request's scope is reused)."""
    return services.writes_for(user, getattr(establishment, "pk", establishment))


@register.filter
def works_in_a_team(user) -> bool:
    """`{% if user|works_in_a_team %}`: a team member or an establishment's director, who answers the
    messages of the persons supported and their families (the request's scope is reused)."""
    scope = scope_of(user)
    return bool(scope.team or scope.directed)
