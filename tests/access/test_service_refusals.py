"""A refusal raised inside a service's transaction is still in the access log after the rollback."""

import pytest

from parcours.access.api import AccessDenied
from parcours.access.models import AccessLogEntry
from parcours.records.enums import NoteCategory
from parcours.records.models import Note
from parcours.records.services import write_note

pytestmark = pytest.mark.django_db


def test_refused_note_is_logged_and_nothing_is_written(world):
    # pro_a writes in the name of their own establishment about a person supported only in B.
    with pytest.raises(AccessDenied):
        write_note(
            world.person_b,
            establishment=world.a,
            category=NoteCategory.DAILY_LIFE,
            text="Essai",
            actor=world.actor(world.pro_a),
        )
    assert not Note.objects.filter(person=world.person_b).exists()
    refusal = AccessLogEntry.objects.get(person=world.person_b, actor=world.pro_a.user, allowed=False)
    assert refusal.action == "create"
    assert refusal.category == "notes"
