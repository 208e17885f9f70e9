"""Matrix rows of the person's space: privacy."""

from tests.security.matrix import NO_LINK, Row

ROWS = [
    Row("portal:sharing", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
    Row("portal:privacy", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
]
