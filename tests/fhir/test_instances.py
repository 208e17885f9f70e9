"""The second instance the exchange tests use starts empty and answers with its own data."""

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_instance_starts_empty_with_its_own_database(empty_instance, fhir_world):
    answer = requests.get(f"{empty_instance.fhir}/Patient", headers=empty_instance.headers(), timeout=10)
    assert answer.status_code == 200, answer.text
    # The persons of this test's database are not in the second instance.
    assert answer.json()["total"] == 0
