"""Matrix rows of the person's space: day."""

from tests.security.matrix import NO_LINK, Row

ROWS = [
    Row("portal:day", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
]
