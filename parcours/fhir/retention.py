"""The versions of resources the API kept (`_history`) are copies of the record: once any part of a
person's record has been erased or anonymised, they go, so that no former content outlives the
retention periods. The current state stays readable as version 1."""

from parcours.fhir.models import ResourceVersion


def forget_versions(person) -> None:
    ResourceVersion.objects.filter(person=person).delete()
