"""Outside systems, one module each (an OpenID Connect provider, ...): the rest of Parcours calls them
through these modules only."""
