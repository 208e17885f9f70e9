"""Indicators on coordination: waiting lists (`parcours.coordination`)."""
