"""Matrix rows of the coordination of the parcours: liaison files. A file is sent by A's team to C (the
Foyer des Monts, where no column works) with P's consent: A's team and director read it as its
sender; everyone else is a third party (404), B with its consent included. Another is sent to B, with
P's consent recorded as it leaves: B's team and director import it (whatever B knew of P before), A,
its sender, reads it but may not import it (403), the others get a 404."""

from django.urls import reverse

from parcours.coordination import liaison as services
from parcours.coordination.models import LiaisonFile
from parcours.records.models import Admission
from tests.security.matrix import F403, LOGIN, N404, OK, POST_ONLY, READ_P, WRITE_P, Row, day

# The files received by A: A's team and director; the gestionnaire's direction does not import.
INBOX_A = (LOGIN, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)
# A file A sent: its sender (A's team and director); nobody else.
SENT_BY_A = (LOGIN, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)
# Importing a file sent to B: B's team and director (B's professional in every scenario); A, its
# sender, reads but may not import.
IMPORT_TO_B = (LOGIN, F403, F403, N404, OK, OK, OK, OK, OK, OK, N404, N404, OK)


def person(w) -> dict:
    return {"person_uuid": w.person.uuid}


def send_to_c(w, to=None) -> None:
    """A's professional sends P's identity and deficiencies to C, P having signed the consent."""
    services.prepare_and_send(
        w.person,
        from_establishment=w.a,
        to_establishment=to or w.c,
        parts=["identity", "deficiencies"],
        actor=w.actor("pro_a"),
        consent={"given_by": "person", "how": "signed_paper"},
    )


def latest(w) -> dict:
    return {"uuid": LiaisonFile.objects.latest("pk").uuid}


def latest_page(w) -> str:
    return reverse("coordination:liaison", kwargs=latest(w))


ROWS = [
    Row("coordination:liaison_prepare", "GET", WRITE_P, person),
    Row(
        "coordination:liaison_prepare",
        "POST",
        WRITE_P,
        person,
        data=lambda w: {
            "from_establishment": str(w.a.uuid),
            "to_establishment": str(w.c.uuid),
            "parts": ["identity", "notes"],
            "notes": [str(w.note.uuid)],
            "consent_given": "on",
            "given_by": "person",
            "how": "signed_paper",
            "action": "send",
        },
        success=latest_page,
        probe=lambda w: LiaisonFile.objects.count(),
    ),
    Row("coordination:liaisons", "GET", READ_P, person),
    Row("coordination:liaison_inbox", "GET", INBOX_A, lambda w: {"establishment_uuid": w.a.uuid}),
    Row("coordination:liaison", "GET", SENT_BY_A, latest, setup=send_to_c),
    Row(
        "coordination:liaison",
        "POST",
        IMPORT_TO_B,
        latest,
        setup=lambda w: send_to_c(w, to=w.b),
        data=lambda w: {"start_date": day(1), "mode": "externat"},
        success=latest_page,
        probe=lambda w: Admission.objects.count(),
    ),
    Row("coordination:liaison_cancel", "GET", POST_ONLY, latest, setup=send_to_c),
    Row(
        "coordination:liaison_cancel",
        "POST",
        SENT_BY_A,
        latest,
        setup=send_to_c,
        data=lambda w: {},
        success=latest_page,
        probe=lambda w: LiaisonFile.objects.latest("pk").status,
    ),
]
