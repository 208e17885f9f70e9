"""What the access policy asks the retention app: which categories of a person's record left the
active base (intermediate archive, or already erased or anonymised)."""

from django.db.models import Exists, OuterRef, Q

from parcours.retention.models import PersonRetention


def out_of_active_base(category: str, person_ref: str = "pk") -> Q:
    """A condition on Person (or on a model whose `person_ref` points to the person): this category of
    the record is archived, erased or anonymised."""
    return Q(Exists(PersonRetention.objects.filter(person_id=OuterRef(person_ref), category=category)))


def archived_categories(person) -> frozenset[str]:
    """The categories of this person's record that are in intermediate archive (not yet erased or
    anonymised)."""
    return frozenset(
        PersonRetention.objects.archived().filter(person=person).values_list("category", flat=True)
    )


def disposed_categories(person) -> frozenset[str]:
    """The categories of this person's record already erased or anonymised."""
    return frozenset(
        PersonRetention.objects.disposed().filter(person=person).values_list("category", flat=True)
    )
