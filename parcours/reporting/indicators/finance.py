"""Indicators from the yearly financial statements (`parcours.finance`)."""
