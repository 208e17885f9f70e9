"""Search parameters shared by the resource types, as building blocks for `Mapping.search_params`:
string, token, date and reference parameters of the FHIR search specification (R4, 3.1.1)."""

from __future__ import annotations

import datetime
import re
import uuid

from django.db.models import Q, QuerySet

from parcours.fhir.outcome import FhirError

DATE = re.compile(r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb)?(?P<value>\d{4}(-\d{2}(-\d{2})?)?)(T[0-9:.+Z-]*)?$")


def bad_parameter(name: str, message: str) -> FhirError:
    return FhirError(400, f"Paramètre de recherche {name} : {message}", code="invalid")


def _alternatives(values: list[str]):
    """Each occurrence of a parameter is ANDed; commas inside one occurrence are ORed."""
    for value in values:
        yield [item for item in value.split(",") if item != ""]


def string_filter(*fields: str) -> callable:
    """`name=dup`: starts with (case and accent folding left to the fields, e.g. search_text)."""

    def apply(queryset: QuerySet, values: list[str], ctx, name: str = "string") -> QuerySet:
        for alternatives in _alternatives(values):
            condition = Q()
            for item in alternatives:
                for field in fields:
                    condition |= Q(**{f"{field}__icontains": item})
            queryset = queryset.filter(condition)
        return queryset

    return apply


def token_filter(mapping: dict[str, str], *, default_field: str | None = None) -> callable:
    """`identifier=system|value` (or `value`): `mapping` gives, for each system, the field holding the
    value; `default_field` takes a value without system."""

    def apply(queryset: QuerySet, values: list[str], ctx, name: str = "identifier") -> QuerySet:
        for alternatives in _alternatives(values):
            condition = Q(pk__in=[])
            for item in alternatives:
                system, bar, value = item.rpartition("|")
                if not bar:
                    fields = [default_field] if default_field else list(mapping.values())
                else:
                    fields = [mapping[system]] if system in mapping else []
                for field in fields:
                    condition |= Q(**{field: value})
            queryset = queryset.filter(condition)
        return queryset

    return apply


def parse_date(name: str, item: str) -> tuple[str, datetime.date, datetime.date]:
    """(prefix, first day, last day) of a date parameter's value (year, month or day precision)."""
    match = DATE.match(item)
    if not match:
        raise bad_parameter(name, f"date invalide « {item[:20]} » (AAAA-MM-JJ attendu).")
    text = match["value"]
    try:
        if len(text) == 4:
            first, last = datetime.date(int(text), 1, 1), datetime.date(int(text), 12, 31)
        elif len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            first = datetime.date(year, month, 1)
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            last = following - datetime.timedelta(days=1)
        else:
            first = last = datetime.date.fromisoformat(text)
    except ValueError:
        raise bad_parameter(name, f"date invalide « {item[:20]} ».") from None
    return match["prefix"] or "eq", first, last


def date_filter(field: str) -> callable:
    """`birthdate=1990`, `date=ge2024-01-01`: a date (or datetime: compared on its date) field."""

    def apply(queryset: QuerySet, values: list[str], ctx, name: str = "date") -> QuerySet:
        for alternatives in _alternatives(values):
            condition = Q(pk__in=[])
            for item in alternatives:
                prefix, first, last = parse_date(name, item)
                condition |= {
                    "eq": Q(**{f"{field}__gte": first, f"{field}__lte": last}),
                    "ne": ~Q(**{f"{field}__gte": first, f"{field}__lte": last}),
                    "gt": Q(**{f"{field}__gt": last}),
                    "sa": Q(**{f"{field}__gt": last}),
                    "lt": Q(**{f"{field}__lt": first}),
                    "eb": Q(**{f"{field}__lt": first}),
                    "ge": Q(**{f"{field}__gte": first}),
                    "le": Q(**{f"{field}__lte": last}),
                }[prefix]
            queryset = queryset.filter(condition)
        return queryset

    return apply


def datetime_date_filter(field: str) -> callable:
    """`date_filter` on a DateTimeField, compared on its (local) date."""
    return date_filter(f"{field}__date")


def reference_filter(path: str, resource_type: str) -> callable:
    """`patient=Patient/<uuid>` (or `<uuid>`): `path` is the ORM path to the referenced object, whose
    `uuid` is compared."""

    def apply(queryset: QuerySet, values: list[str], ctx, name: str = "reference") -> QuerySet:
        for alternatives in _alternatives(values):
            ids = []
            for item in alternatives:
                kind, _, value = item.rstrip("/").rpartition("/")
                kind = kind.rsplit("/", 1)[-1] if kind else resource_type
                if kind != resource_type:
                    raise bad_parameter(name, f"référence {resource_type}/<identifiant> attendue.")
                try:
                    ids.append(uuid.UUID(value))
                except ValueError:
                    raise bad_parameter(name, "identifiant invalide.") from None
            queryset = queryset.filter(**{f"{path}__uuid__in": ids})
        return queryset

    return apply


def choice_filter(field: str, codes: dict[str, str]) -> callable:
    """`status=active`: `codes` maps the FHIR code to the stored value."""

    def apply(queryset: QuerySet, values: list[str], ctx, name: str = "status") -> QuerySet:
        for alternatives in _alternatives(values):
            stored = []
            for item in alternatives:
                code = item.rpartition("|")[2]
                if code not in codes:
                    raise bad_parameter(name, f"code inconnu « {code[:40]} » (attendu : {', '.join(codes)}).")
                stored.append(codes[code])
            queryset = queryset.filter(**{f"{field}__in": stored})
        return queryset

    return apply
