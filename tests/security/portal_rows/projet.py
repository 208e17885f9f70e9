"""Matrix rows of the person's space: projet."""

from tests.security.matrix import NO_LINK, Row

ROWS = [
    Row("portal:projet", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
]
