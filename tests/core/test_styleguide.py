import pytest
from django.urls import reverse

from parcours.core.design import PAIRS
from tests.core.pages import page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_styleguide_is_public_and_shows_every_component(client):
    content = page(client.get(reverse("core:styleguide")))
    for css_class in [
        "page-header",
        "breadcrumbs",
        "card__title",
        "grid--3",
        "btn--danger",
        "field--error",
        "errorlist",
        "table-wrap",
        "badge--warning",
        "alert--error",
        "pagination",
        "timeline__kind",
        "filters",
        'class="dl"',
        "empty",
        "stat__value",
        "progress",
        "skip-link",
    ]:
        assert css_class in content, css_class
    assert "data-parcours-confirm" in content


def test_styleguide_lists_contrast_ratios(client):
    content = page(client.get(reverse("core:styleguide")))
    for pair in PAIRS:
        assert pair.label.replace("'", "&#x27;") in content
        assert f"{pair.ratio:.2f}".replace(".", ",") in content or f"{pair.ratio:.2f}" in content
    assert "Insuffisant" not in content


def test_styleguide_also_renders_for_a_logged_in_user(login):
    page(login(UserFactory()).get(reverse("core:styleguide")))


def test_pages_carry_the_content_security_policy(client):
    response = client.get(reverse("core:styleguide"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "style-src 'self'" in response["Content-Security-Policy"]
