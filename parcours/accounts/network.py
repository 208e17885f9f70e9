from django.conf import settings


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For address behind a trusted proxy
    (PARCOURS_TRUST_X_FORWARDED_FOR), as in the access log."""
    if request is None:
        return None
    if settings.PARCOURS_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
