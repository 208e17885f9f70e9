"""Nothing is registered here: waiting-list entries are personal data, and personal data stays out of
the Django admin (tests/test_consistency.py), as for the persons and their records."""
