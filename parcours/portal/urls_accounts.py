"""URLs of the person's space: accounts (included in the "portal" namespace by parcours/portal/urls.py).

The team's pages are under equipe/, the public pages where an invitation is accepted under
invitation/ and activer/, the person's page of their relatives' rights under <person uuid>/proches/."""

from django.urls import path

from parcours.portal import views_accounts as views

urlpatterns = [
    path("equipe/<uuid:person_uuid>/acces/", views.staff_accounts, name="staff_accounts"),
    path("equipe/<uuid:person_uuid>/acces/inviter/", views.staff_invite, name="staff_invite"),
    path(
        "equipe/<uuid:person_uuid>/acces/invitations/<uuid:invitation_uuid>/annuler/",
        views.staff_invitation_revoke,
        name="staff_invitation_revoke",
    ),
    path(
        "equipe/<uuid:person_uuid>/acces/<uuid:account_uuid>/fermer/",
        views.staff_account_revoke,
        name="staff_account_revoke",
    ),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("activer/", views.activate, name="activate"),
    path("activer/compte/", views.activate_account, name="activate_account"),
    path("<uuid:person_uuid>/proches/", views.relatives, name="relatives"),
    path(
        "<uuid:person_uuid>/proches/<uuid:account_uuid>/droits/",
        views.relative_rights,
        name="relative_rights",
    ),
    path(
        "<uuid:person_uuid>/proches/<uuid:account_uuid>/fermer/",
        views.relative_revoke,
        name="relative_revoke",
    ),
]
