"""Rows of the authorisation matrix for the coordination of the parcours, one module per part
(imported at the end of tests/security/matrix.py)."""
