"""Which correction links the record pages show: `{% load records_access %}`."""

from django import template

from parcours.records import services

register = template.Library()


@register.filter
def writes_for(user, establishment) -> bool:
    """`{% if can_write and request.user|writes_for:item.establishment %}`: the user writes in this
    establishment's name, so may correct what it wrote (no query: the request's scope is reused)."""
    return services.writes_for(user, getattr(establishment, "pk", establishment))
