"""Matrix rows of the person's space: messages."""

from tests.security.matrix import NO_LINK, Row

ROWS = [
    Row("portal:threads", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
]
