"""The correction pages in a real browser: their formsets fit a 375-pixel phone."""

import pytest
from django.urls import reverse

from tests.records.test_browser import log_in, no_horizontal_scroll
from tests.records.test_corrections import log_service, write_assessment, write_projet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_correction_pages_on_a_phone(world, page):
    objects = {
        "records:admission_edit": world.person_a.admissions.get(),
        "records:assessment_edit": write_assessment(world),
        "records:projet_edit": write_projet(world),
        "records:service_edit": log_service(world),
    }
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, world.pro_a.user)
    for name, obj in objects.items():
        page.goto(reverse(name, args=[world.person_a.uuid, obj.uuid]))
        assert page.locator("h1").inner_text().startswith(("Modifier", "Corriger")), name
        assert no_horizontal_scroll(page), name
