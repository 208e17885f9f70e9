"""The indicators, one module per domain; importing this package registers them all."""

from parcours.reporting.indicators import persons  # noqa: F401
from parcours.reporting.indicators import staff  # noqa: F401
