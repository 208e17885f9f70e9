"""Template tags of the coordination: `{% unread_notifications as count %}` for the navigation."""

from django import template

from parcours.coordination.notices import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The signed-in user's unread notices (one COUNT query, kept for the rest of the request)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if request is None:
        return unread_count(user)
    if not hasattr(request, "_parcours_unread_notifications"):
        request._parcours_unread_notifications = unread_count(user)
    return request._parcours_unread_notifications
