"""Who may see and import the financial statements.

A statement is about an establishment, not a person: it is not personal data and its reading is not
written to the access log. It is nonetheless reserved to those who answer for the accounts: the
direction of the establishment (role establishment_director) and the direction of its gestionnaire
(role gestionnaire_director). The teams do not see it.
"""

from django.core.exceptions import PermissionDenied

from parcours.access.policy import scope_of

REFUSAL = (
    "Les finances sont réservées à la direction de l'établissement et à celle de son organisme gestionnaire."
)


def managed_establishments(user) -> frozenset[int]:
    """The ids of the establishments whose accounts the user may see and import: those they direct,
    and all those of the gestionnaires they direct. Empty for anyone else (and for anonymous users)."""
    scope = scope_of(user)
    return frozenset(scope.directed | scope.gestionnaire_establishments)


def require_finance_access(user) -> frozenset[int]:
    """The user's managed establishments; PermissionDenied (403) when there is none. The refusal is
    not hidden behind a 404: that finance pages exist is no secret."""
    managed = managed_establishments(user)
    if not managed:
        raise PermissionDenied(REFUSAL)
    return managed
