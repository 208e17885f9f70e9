"""Matrix rows of the person's space: what is shared with whom, who opened the record, the download of
the person's data. Nobody of the team holds a link to P's space: every page is a 404 to them, and the
POST-only request of an export a 405 (the method is checked before anything is opened)."""

from parcours.privacy.models import ExportRequest
from tests.security.matrix import NO_LINK, POST_ONLY, Row


def person(w) -> dict:
    return {"person_uuid": w.person.uuid}


ROWS = [
    Row("portal:sharing", "GET", NO_LINK, person),
    Row("portal:consent_create", "GET", NO_LINK, person, query={"q": "ESAT"}),
    Row(
        "portal:consent_withdraw",
        "GET",
        NO_LINK,
        lambda w: {"person_uuid": w.person.uuid, "consent_uuid": w.consent_c.uuid},
    ),
    Row("portal:privacy", "GET", NO_LINK, person),
    Row("portal:privacy_export", "GET", POST_ONLY, person),
    Row(
        "portal:privacy_export_download",
        "GET",
        NO_LINK,
        lambda w: {
            "person_uuid": w.person.uuid,
            "export_uuid": ExportRequest.objects.filter(person=w.person).latest("pk").uuid,
        },
    ),
]
