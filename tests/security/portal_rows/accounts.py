"""Matrix rows of the person's space: accounts and invitations.

- The team's page of P's accesses reads P's identity: READ_P (those who read P's identity see the
  links and the pending invitations; the forms are shown only to those who write it).
- Inviting, revoking an invitation and closing a link write P's identity: WRITE_P (the gestionnaire's
  direction, B with the consent and B through the emergency access read P, hence a 403).
- The pages where an invitation is accepted are public. With a token that matches no invitation, the
  link's page answers 200 with its "invitation not valid" message (PUBLIC).
  A valid link (issued by A's professional in the row's setup) is accepted by anyone: an anonymous
  visitor creates a login, a signed-in user confirms their password and takes it on their login
  (PUBLIC, to the space's home). The printed code's page is public; a valid code leads anyone to the
  account form, the invitation remembered in the session. The account form with a code typed in
  the session works like the link for signed-in users; an anonymous visitor has no session there
  and is sent back to the code's page, nothing written (TO_ACTIVATE).
- The person's page of their relatives' rights is a page of P's space: no column holds a link to it
  (NO_LINK), posts included.
"""

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse

from parcours.access.enums import PortalRole
from parcours.portal import invitations
from parcours.portal.models import Invitation, PortalAccount
from parcours.portal.views_accounts import CODE_SESSION_KEY
from tests.factories import PASSWORD, UserFactory
from tests.security.matrix import (
    NO_LINK,
    PUBLIC,
    READ_P,
    WRITE_P,
    Outcome,
    Row,
)

TO_ACTIVATE = Outcome("TO_ACTIVATE", False, 302, "portal:activate")
# The account form of a code typed in the session: anonymous visitors have no session (sent back to
# the code's page); every signed-in user takes the invitation on their login.
CODE_IN_SESSION = (TO_ACTIVATE,) + PUBLIC[1:]
UNKNOWN_TOKEN = "jeton-inconnu"


def person(w) -> dict:
    return {"person_uuid": w.person.uuid}


def staff_accounts(w) -> str:
    return reverse("portal:staff_accounts", args=[w.person.uuid])


def issue_invitation(w) -> None:
    """A pending printed invitation of P's relative, issued by A's professional."""
    issued = invitations.invite(
        w.person, actor=w.actor("pro_a"), role=PortalRole.RELATIVE, relative=w.relative, rights=["day"]
    )
    w.portal_code, w.portal_token = issued.code, issued.token


def code_typed(w) -> None:
    """The invitation's code typed in every signed-in session (as the code's page remembers it)."""
    issue_invitation(w)
    uuid = str(Invitation.objects.filter(person=w.person).latest("pk").uuid)
    for key in w.sessions.values():
        session = SessionStore(session_key=key)
        session[CODE_SESSION_KEY] = uuid
        session.save()


def accepting(w) -> dict:
    """A new login's choice, or a signed-in user's password (the world's users share PASSWORD)."""
    return {
        "username": "nouveau.compte",
        "password1": "Une-phrase-de-passe-2026!",
        "password2": "Une-phrase-de-passe-2026!",
        "password": PASSWORD,
    }


def open_link(w) -> None:
    """A relative's link to P's space (a login with no membership)."""
    PortalAccount.objects.create(
        user=UserFactory(),
        person=w.person,
        role=PortalRole.RELATIVE,
        relative=w.relative,
        rights=["day"],
        rights_changed_by=w.users["pro_a"],
    )


def latest_invitation(w) -> dict:
    return person(w) | {"invitation_uuid": Invitation.objects.filter(person=w.person).latest("pk").uuid}


def latest_link(w) -> dict:
    return person(w) | {"account_uuid": PortalAccount.objects.filter(person=w.person).latest("pk").uuid}


ROWS = [
    Row("portal:staff_accounts", "GET", READ_P, person),
    Row(
        "portal:staff_invite",
        "POST",
        WRITE_P,
        person,
        data=lambda w: {
            "role": "relative",
            "relative": w.relative.pk,
            "rights": ["day", "messages"],
            "decided_by": "person",
            "delivery": "email",
            "email": "famille@example.org",
        },
        success=staff_accounts,
        probe=lambda w: Invitation.objects.count(),
    ),
    Row(
        "portal:staff_invitation_revoke",
        "POST",
        WRITE_P,
        latest_invitation,
        data=lambda w: {},
        success=staff_accounts,
        probe=lambda w: list(Invitation.objects.values_list("revoked_at", flat=True)),
        setup=issue_invitation,
    ),
    Row(
        "portal:staff_account_revoke",
        "POST",
        WRITE_P,
        latest_link,
        data=lambda w: {},
        success=staff_accounts,
        probe=lambda w: list(PortalAccount.objects.values_list("revoked_at", flat=True)),
        setup=open_link,
    ),
    Row("portal:invitation", "GET", PUBLIC, lambda w: {"token": UNKNOWN_TOKEN}),
    # A valid link: anyone accepts it (a new login, or the signed-in user's own).
    Row(
        "portal:invitation",
        "POST",
        PUBLIC,
        lambda w: {"token": w.portal_token},
        data=accepting,
        success=lambda w: reverse("portal:home"),
        probe=lambda w: PortalAccount.objects.count(),
        setup=issue_invitation,
    ),
    Row("portal:activate", "GET", PUBLIC),
    Row(
        "portal:activate",
        "POST",
        PUBLIC,
        data=lambda w: {"code": w.portal_code},
        success=lambda w: reverse("portal:activate_account"),
        probe=lambda w: sorted(Session.objects.values_list("session_data", flat=True)),
        setup=issue_invitation,
    ),
    Row("portal:activate_account", "GET", CODE_IN_SESSION, setup=code_typed),
    Row(
        "portal:activate_account",
        "POST",
        CODE_IN_SESSION,
        data=accepting,
        success=lambda w: reverse("portal:home"),
        probe=lambda w: PortalAccount.objects.count(),
        setup=code_typed,
    ),
    Row("portal:relatives", "GET", NO_LINK, person),
    Row(
        "portal:relative_rights",
        "POST",
        NO_LINK,
        latest_link,
        data=lambda w: {"rights": ["day"]},
        setup=open_link,
    ),
    Row("portal:relative_revoke", "POST", NO_LINK, latest_link, data=lambda w: {}, setup=open_link),
]
