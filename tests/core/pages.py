"""Guards for the pages our tests render: no undefined template variable, no inline style or script.

`tests/settings.py` renders an undefined variable as INVALID_TEMPLATE_VARIABLE(...); the
`checked_pages` fixture (autouse in tests/core, accounts, organisations, nomenclature)
checks every HTML response returned by the Django test client.
"""

import re

import pytest
from django.test.client import Client

INVALID_MARKER = "INVALID_TEMPLATE_VARIABLE"
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>", re.IGNORECASE
)


def assert_clean_page(content: str) -> None:
    """The HTML has no undefined template variable and nothing the Content-Security-Policy would block."""
    found = re.findall(r"INVALID_TEMPLATE_VARIABLE\([^)]*\)", content)
    assert INVALID_MARKER not in content, f"variable de gabarit indéfinie : {found[:5]}"
    assert not INLINE_STYLE.search(content), (
        "attribut style= interdit par la politique de sécurité du contenu"
    )
    assert not INLINE_SCRIPT.search(content), (
        "script en ligne interdit par la politique de sécurité du contenu"
    )


def page(response) -> str:
    """The body of a 200 HTML response, checked."""
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    assert_clean_page(content)
    return content


@pytest.fixture
def checked_pages(monkeypatch):
    real_request = Client.request

    def checking_request(self, **request):
        response = real_request(self, **request)
        if not getattr(response, "streaming", False) and "text/html" in response.get("Content-Type", ""):
            content = response.content.decode()
            # The admin is Django's own: only our pages must keep the CSP rules.
            if "/admin/" in request.get("PATH_INFO", ""):
                assert INVALID_MARKER not in content
            else:
                assert_clean_page(content)
        return response

    monkeypatch.setattr(Client, "request", checking_request)
