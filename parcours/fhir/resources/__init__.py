"""One module per group of resource types; importing them registers their mappings."""

from parcours.fhir.resources import patient  # noqa: F401
