"""Accounts of the person's space.

- The team's page of a person's accesses (/portail/equipe/<uuid>/acces/): links and pending
  invitations, read by whoever reads the person's identity; inviting, revoking an invitation and
  closing a link for those who write it (403 otherwise, logged).
- The public pages where an invitation is accepted: the e-mailed link, or the printed code typed
  on /portail/activer/ (the invitation is then remembered in the session, never in the address).
- The person's page of their relatives' rights (/portail/<uuid>/proches/), power "consents".
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.access import policy
from parcours.access.api import Action, Actor, Category, get_person_or_404, open_portal, require
from parcours.access.enums import PortalPower, PortalRole
from parcours.access.journal import client_ip
from parcours.accounts.middleware import start_session_clock
from parcours.core.forms import add_validation_errors
from parcours.portal import invitations
from parcours.portal.forms_accounts import (
    RIGHTS_EASY,
    AccountForm,
    AttachForm,
    CodeForm,
    InvitationForm,
    RightsForm,
)
from parcours.portal.models import Invitation, PortalAccount
from parcours.portal.pages import easy_read, render_portal

# The invitation a printed code opened, remembered in the session between the code and the account.
CODE_SESSION_KEY = "parcours_portal_invitation"


# -- the team's side ---------------------------------------------------------------------------------


def may_write_identity(user, person) -> bool:
    return bool(policy.decide(user, person, Category.IDENTITY, Action.UPDATE))


def check_identity_write(actor: Actor, person) -> None:
    """Those who read but may not write the identity get a 403, the refusal logged."""
    if not may_write_identity(actor.user, person):
        require(actor, person, Category.IDENTITY, Action.UPDATE)


def staff_page(request, person, form=None, status=200):
    links = (
        PortalAccount.objects.active()
        .filter(person=person)
        .select_related("relative", "protection")
        .order_by("created_at", "pk")
    )
    pending = (
        Invitation.objects.pending()
        .filter(person=person)
        .select_related("relative", "protection", "establishment")
        .order_by("created_at", "pk")
    )
    can_write = may_write_identity(request.user, person)
    if can_write and form is None:
        form = InvitationForm(person=person)
    context = {
        "person": person,
        "links": [{"account": link, "rights": invitations.rights_in_words(link.rights)} for link in links],
        "pending": [
            {"invitation": item, "rights": invitations.rights_in_words(item.rights)} for item in pending
        ],
        "can_write": can_write,
        "form": form if can_write else None,
        "days": invitations.invitation_days(),
    }
    return render(request, "portal/staff/accounts.html", context, status=status)


@require_GET
def staff_accounts(request, person_uuid):
    person, _ = get_person_or_404(Actor.from_request(request), person_uuid, details={"page": "acces_espace"})
    return staff_page(request, person)


@require_POST
def staff_invite(request, person_uuid):
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, person_uuid, details={"page": "acces_espace"})
    check_identity_write(actor, person)
    form = InvitationForm(request.POST, person=person)
    if not form.is_valid():
        return staff_page(request, person, form)
    try:
        issued = invitations.invite(
            person, actor=actor, base_url=request.build_absolute_uri("/"), **form.service_arguments()
        )
    except ValidationError as error:
        add_validation_errors(form, error)
        return staff_page(request, person, form)
    if issued.invitation.email:
        messages.success(request, "L'invitation est envoyée par courriel. Le lien sert une seule fois.")
        return redirect("portal:staff_accounts", person_uuid=person.uuid)
    # The code is shown once, on this sheet, and never again.
    return render(
        request,
        "portal/staff/accounts_sheet.html",
        {
            "person": person,
            "issued": issued,
            "invitation": issued.invitation,
            "activate_url": request.build_absolute_uri(reverse("portal:activate")),
        },
    )


@require_POST
def staff_invitation_revoke(request, person_uuid, invitation_uuid):
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, person_uuid, details={"page": "acces_espace"})
    invitation = get_object_or_404(Invitation.objects.filter(person=person), uuid=invitation_uuid)
    check_identity_write(actor, person)
    try:
        invitations.revoke_invitation(invitation, actor=actor)
        messages.success(request, "L'invitation est annulée : son lien et son code ne fonctionnent plus.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal:staff_accounts", person_uuid=person.uuid)


@require_POST
def staff_account_revoke(request, person_uuid, account_uuid):
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, person_uuid, details={"page": "acces_espace"})
    account = get_object_or_404(PortalAccount.objects.filter(person=person), uuid=account_uuid)
    check_identity_write(actor, person)
    try:
        invitations.close_account(account, actor=actor)
        messages.success(request, "L'accès est fermé. Il reste dans l'historique.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal:staff_accounts", person_uuid=person.uuid)


# -- accepting an invitation (public pages) ----------------------------------------------------------


def log_in(request, user) -> None:
    auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    start_session_clock(request.session)


def accept(request, invitation: Invitation | None, template_context: dict):
    """The acceptance form of a valid invitation: a new login, or the login already open. Returns
    the page, or the redirect to the space once the link is open."""
    context = {"invitation": invitation, **template_context}
    if invitation is None:
        return render(request, "portal/accounts/invitation.html", {**context, "invalid": True})
    user = request.user
    signed_in = user.is_authenticated
    data = request.POST if request.method == "POST" else None
    form = AttachForm(data, user=user) if signed_in else AccountForm(data)
    if data is not None and form.is_valid():
        try:
            if signed_in:
                invitations.attach_invitation(invitation, user=user, ip_address=client_ip(request))
            else:
                account = invitations.accept_invitation(
                    invitation,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                    ip_address=client_ip(request),
                )
                log_in(request, account.user)
        except ValidationError as error:
            if getattr(error, "code", None) == "invalid":
                return render(request, "portal/accounts/invitation.html", {**context, "invalid": True})
            add_validation_errors(form, error)
        else:
            request.session.pop(CODE_SESSION_KEY, None)
            messages.success(request, "Votre accès est ouvert. Bienvenue dans l'espace Parcours.")
            return redirect("portal:home")
    return render(
        request,
        "portal/accounts/invitation.html",
        {**context, "invalid": False, "form": form, "signed_in": signed_in, "role": invitation.role},
    )


@login_not_required
@sensitive_post_parameters("password", "password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    """The one-time link of an e-mailed invitation."""
    found = invitations.pending_by_token(token)
    return accept(request, found, {"action": request.path})


@login_not_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def activate(request):
    """Type the printed code; a valid one leads to the acceptance form."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            found = invitations.check_code(form.cleaned_data["code"], address=client_ip(request))
        except ValidationError as error:
            form.add_error("code", error)
        else:
            request.session[CODE_SESSION_KEY] = str(found.uuid)
            return redirect("portal:activate_account")
    return render(request, "portal/accounts/activate.html", {"form": form})


@login_not_required
@sensitive_post_parameters("password", "password1", "password2")
@require_http_methods(["GET", "POST"])
def activate_account(request):
    """The acceptance form of the invitation a printed code opened (remembered in the session)."""
    uuid = request.session.get(CODE_SESSION_KEY)
    if not uuid:
        return redirect("portal:activate")
    found = invitations.pending_by_uuid(uuid)
    if found is None:
        request.session.pop(CODE_SESSION_KEY, None)
    return accept(request, found, {"action": request.path})


# -- the person's side: relatives' rights -------------------------------------------------------------


def relatives_page(request, person, link, bound=None, status=200):
    """`bound`: (account, form) of a change that was refused, shown with its errors."""
    easy = easy_read(request)
    cards = []
    for account in invitations.relatives_links(person):
        if bound is not None and bound[0].pk == account.pk:
            form = bound[1]
        else:
            form = RightsForm(initial={"rights": account.rights}, easy_read=easy, prefix=f"a{account.pk}")
        cards.append(
            {
                "account": account,
                "form": form,
                "rights_easy": [RIGHTS_EASY[right] for right in account.rights if right in RIGHTS_EASY],
            }
        )
    response = render_portal(
        request, "portal/accounts/relatives.html", person, link, PortalPower.CONSENTS, {"cards": cards}
    )
    response.status_code = status
    return response


def open_relatives(request, person_uuid, action=Action.READ):
    actor = Actor.from_request(request)
    person, link = open_portal(actor, person_uuid, PortalPower.CONSENTS, Category.IDENTITY, action)
    return actor, person, link


@require_GET
def relatives(request, person_uuid):
    _actor, person, link = open_relatives(request, person_uuid)
    return relatives_page(request, person, link)


def relative_account(person, account_uuid) -> PortalAccount:
    return get_object_or_404(
        PortalAccount.objects.active().filter(person=person, role=PortalRole.RELATIVE), uuid=account_uuid
    )


@require_POST
def relative_rights(request, person_uuid, account_uuid):
    actor, person, link = open_relatives(request, person_uuid, Action.UPDATE)
    account = relative_account(person, account_uuid)
    form = RightsForm(request.POST, easy_read=easy_read(request), prefix=f"a{account.pk}")
    if form.is_valid():
        try:
            invitations.change_relative_rights(account, actor=actor, rights=form.cleaned_data["rights"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, "Les droits de ce proche sont changés.")
            return redirect("portal:relatives", person_uuid=person.uuid)
    return relatives_page(request, person, link, bound=(account, form))


@require_POST
def relative_revoke(request, person_uuid, account_uuid):
    actor, person, _link = open_relatives(request, person_uuid, Action.UPDATE)
    account = relative_account(person, account_uuid)
    invitations.close_relative_link(account, actor=actor)
    messages.success(request, "L'accès de ce proche est fermé.")
    return redirect("portal:relatives", person_uuid=person.uuid)
