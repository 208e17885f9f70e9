"""The logins of the person's space against every URL: the matrix's rows, with the columns of the
person's side, answered by hand from the rules of docs/portal.md (never computed from
`parcours.access`).

- P herself holds every power of her space; Paul, her curator (an assistance measure), follows the
  day, reads, comments and agrees the projet and messages the team, but decides no sharing, reads no
  access log and answers no questionnaire; Anne, her sister, follows the day only; Q's mother holds
  every right to Q's space and none to P's.
- A page of P's space answers 200 to those holding the section's power, 404 to the others; a form of
  P's space posted by someone without the power answers 404 and writes nothing.
- The team's pages (everything outside P's space) show them nothing of anyone: a redirect, a 403, a
  404, or a page without P's name; nothing of P's record is read on a team's basis."""

import pytest

from parcours.access.enums import Basis, PortalPower
from parcours.access.models import AccessLogEntry
from tests.security.matrix import POST_ONLY, ROWS, Column, Row
from tests.security.test_authorization_matrix import fingerprint, named_patterns, request
from tests.security.world import no_sharing

PORTAL_COLUMNS = ("p_self", "p_curator", "p_sister_day", "q_mother")
P = PortalPower
# What each login may do in P's space, from the rules (docs/portal.md).
POWERS = {
    "p_self": set(PortalPower.values),
    "p_curator": {P.DAY, P.PROJET, P.MESSAGES, P.AGREE},
    "p_sister_day": {P.DAY},
    "q_mother": set(),
}
# The power each page of a person's space needs. A page added to the space without its power here
# fails `test_every_page_of_the_space_names_its_power`.
URL_POWER = {
    "portal:day": P.DAY,
    "portal:day_live": P.DAY,
    "portal:projet": P.PROJET,
    "portal:projet_history": P.PROJET,
    "portal:projet_version": P.PROJET,
    "portal:projet_comment": P.PROJET,
    "portal:projet_agree": P.AGREE,
    "portal:projet_changes": P.AGREE,
    "portal:threads": P.MESSAGES,
    "portal:thread_create": P.MESSAGES,
    "portal:thread": P.MESSAGES,
    "portal:attachment": P.MESSAGES,
    "portal:evaluations": P.EVALUATE,
    "portal:evaluation": P.EVALUATE,
    "portal:sharing": P.CONSENTS,
    "portal:consent_create": P.CONSENTS,
    "portal:consent_withdraw": P.CONSENTS,
    "portal:relatives": P.CONSENTS,
    "portal:relative_rights": P.CONSENTS,
    "portal:relative_revoke": P.CONSENTS,
    "portal:privacy": P.PRIVACY,
    "portal:privacy_export": P.PRIVACY,
    "portal:privacy_export_download": P.PRIVACY,
}
# The circle's conversations with the family: for the family carers of the person's circle, not a
# power of the space; none of these logins is in P's circle (404 to all of them).
CIRCLE_PAGES = {"portal:circle_threads", "portal:circle_thread"}
# Pages of the portal's namespace that belong to no person's space: the home page, the easy-read
# switch, and the team's pages (under /portail/equipe/) and the invitations' public pages.
NOT_A_SPACE = {"portal:home", "portal:easy_read"}
# Exceptions to the rule, by hand: the world's export of P was asked for by A's professional, and an
# archive is downloaded only by the login that asked for it.
OVERRIDES = {("portal:privacy_export_download", "p_self"): 404}
STAFF_BASES = {
    Basis.TEAM,
    Basis.REGISTRATION,
    Basis.ESTABLISHMENT_DIRECTION,
    Basis.GESTIONNAIRE_DIRECTION,
    Basis.CONSENT,
    Basis.BREAK_GLASS,
    Basis.VISIBLE,
}

SPACE_ROWS = [row for row in ROWS if row.name in URL_POWER or row.name in CIRCLE_PAGES]
TEAM_ROWS = [
    row
    for row in ROWS
    if row.method == "GET"
    and not row.name.startswith(("admin:", "accounts:"))
    and row.name not in URL_POWER
    and row.name not in CIRCLE_PAGES
    and row.name not in NOT_A_SPACE
]


def test_every_page_of_the_space_names_its_power():
    """Every URL of the portal that names a person (outside the team's pages) is a page of a space."""
    space = {
        name
        for name, pattern in named_patterns()
        if name
        and name.startswith("portal:")
        and "<uuid:person_uuid>" in pattern
        and "equipe/" not in pattern
    }
    assert sorted(space - set(URL_POWER) - CIRCLE_PAGES) == []


@pytest.fixture
def scenario(world):
    no_sharing(world)
    return world


@pytest.mark.parametrize("column", PORTAL_COLUMNS)
@pytest.mark.parametrize("row", SPACE_ROWS, ids=lambda row: row.id)
def test_a_page_of_ps_space(scenario, row: Row, column: str):
    world = scenario
    if row.setup:
        row.setup(world)
    allowed = row.name in URL_POWER and URL_POWER[row.name] in POWERS[column]
    before = fingerprint() if row.method == "POST" else None
    response = request(world, row, Column(column, "none"))
    if row.method == "GET" and row.cells == POST_ONLY:
        assert response.status_code == 405
    elif row.method == "GET":
        assert response.status_code == OVERRIDES.get((row.name, column), 200 if allowed else 404)
    elif not allowed:
        assert response.status_code == 404
        assert fingerprint() == before, "une requête refusée a écrit"


@pytest.mark.parametrize("column", PORTAL_COLUMNS)
@pytest.mark.parametrize("row", TEAM_ROWS, ids=lambda row: row.id)
def test_a_team_page_shows_nothing_of_p(scenario, row: Row, column: str):
    world = scenario
    if row.setup:
        row.setup(world)
    start = AccessLogEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    response = request(world, row, Column(column, "none"))
    # 401: the FHIR API, which answers to tokens, not to a session.
    assert response.status_code in {200, 302, 401, 403, 404, 405}
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        content = response.content.decode()
        # Whatever of P a page shows links to her record, which names her by her UUID. (Her name is
        # no marker: the search page's help gives an example that looks like it.)
        assert str(world.person.uuid) not in content
    read = AccessLogEntry.objects.filter(sequence__gt=start, person=world.person, allowed=True)
    assert not read.filter(basis__in=STAFF_BASES).exists()
