"""Matrix rows of the person's space: evaluations."""

from tests.security.matrix import NO_LINK, Row

ROWS = [
    Row("portal:evaluations", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
]
