"""Matrix rows of the person's space: the circle's conversations with the family.

Only the circle's family carers, with their own login, open these pages; nobody of the team's columns
is one, not even a professional member of P's circle (A's and B's professionals here, who read the same
conversations on the team's pages): a 404 to every column. The reply form is posted by a family carer
only, so it has no POST row here (the fuzz pass posts each POST row as a column the matrix allows): its
refusals are tested in tests/coordination/test_circle_messages.py."""

from parcours.coordination import circle_messages
from parcours.coordination.enums import ThreadAudience
from parcours.coordination.models import CircleThread
from tests.security.coordination_rows.notifications import circle_of_p
from tests.security.matrix import NO_LINK, Row


def family_thread_of_p(w) -> CircleThread:
    circle_of_p(w)
    thread = CircleThread.objects.filter(person=w.person, audience=ThreadAudience.FAMILY).first()
    if thread is None:
        thread = circle_messages.start_circle_thread(
            w.person, actor=w.actor("pro_a"), audience=ThreadAudience.FAMILY, subject="Visite du foyer",
            body="Pouvez-vous venir mardi ?",
        )  # fmt: skip
    return thread


ROWS = [
    Row("portal:circle_threads", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}, setup=circle_of_p),
    Row(
        "portal:circle_thread",
        "GET",
        NO_LINK,
        lambda w: {"person_uuid": w.person.uuid, "thread_uuid": family_thread_of_p(w).uuid},
        setup=family_thread_of_p,
    ),
]
