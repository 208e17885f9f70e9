"""Matrix rows of the person's space: its home page and the easy-read switch."""

from django.contrib.sessions.models import Session

from tests.security.matrix import EVERY_USER, PUBLIC, Row

ROWS = [
    # Nobody of the team follows a person's space: the home page lists nobody.
    Row("portal:home", "GET", EVERY_USER),
    # Open to visitors not signed in: the invitation pages are read before the account exists.
    Row(
        "portal:easy_read",
        "POST",
        PUBLIC,
        data=lambda w: {"on": "1", "next": "/portail/"},
        success=lambda w: "/portail/",
        probe=lambda w: sorted(Session.objects.values_list("session_data", flat=True)),
    ),
]
