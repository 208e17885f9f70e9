"""The indicators, one module per domain; importing this package registers them all."""

import parcours.reporting.indicators.activity  # noqa: F401
from parcours.reporting.indicators import persons  # noqa: F401
from parcours.reporting.indicators import staff  # noqa: F401
