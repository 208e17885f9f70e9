"""The indicators, one module per domain; importing this package registers them all."""

from parcours.reporting.indicators import activity, coordination, finance, persons, staff  # noqa: F401
