"""Bad input on the projet's forms of the person's space, posted by the person herself (the shared
fuzzing of tests/security fuzzes forms the team may post; nobody of the team reaches a person's
space): never a server error, and an answer refused leaves the projet and its answers unchanged."""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from parcours.records.models import ProjetPersonnalise, ProjetResponse
from tests.portal.test_projet import make_projet, propose
from tests.security.test_fuzz_forms import FUZZ_SETTINGS, field_fate

VALID = {
    "projet_agree": {"version": "1", "confirm": "on"},
    "projet_changes": {"version": "1", "text": "Plus de sorties."},
    "projet_comment": {"version": "1", "text": "Merci."},
}


def state(projet) -> tuple:
    projet = ProjetPersonnalise.objects.get(pk=projet.pk)
    return projet.status, projet.agreed_at, ProjetResponse.objects.count()


@pytest.mark.parametrize("name", sorted(VALID))
def test_answers_survive_random_input(family, portal_client, name):
    projet = make_projet(family)
    propose(family, projet)
    client = portal_client(family.lea_user)
    url = reverse(f"portal:{name}", args=[family.lea.uuid, projet.uuid])
    valid = VALID[name]

    @FUZZ_SETTINGS
    @given(fates=st.fixed_dictionaries({key: field_fate for key in valid}))
    def post(fates):
        with transaction.atomic():
            before = state(projet)
            data = {}
            for key, fate in fates.items():
                if fate != "drop":
                    data[key] = valid[key] if fate == "keep" else fate
            response = client.post(url, data)
            assert response.status_code in (200, 302, 404)
            if response.status_code != 302:
                assert state(projet) == before, "une réponse refusée a écrit"
            transaction.set_rollback(True)

    post()
