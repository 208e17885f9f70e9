"""Rows of the authorisation matrix for the person's space, one module per section (imported at the
end of tests/security/matrix.py). The team's columns never hold a link to a person's space: every page
of a person's space is a 404 to them (`NO_LINK`). What the person, their representative and their
relatives may do there is in tests/security/test_portal_matrix.py."""
