"""The retention rules in force: the DPO's, or the sourced defaults of data/defaults.csv."""

import csv
import datetime
from functools import cache
from pathlib import Path

from parcours.retention.enums import RetentionCategory
from parcours.retention.models import RetentionRule, start_event_for

DEFAULTS_FILE = Path(__file__).parent / "data" / "defaults.csv"
TO_CONFIGURE = "durée à configurer par le DPO"


@cache
def defaults() -> dict[str, dict]:
    """The sourced defaults, by category (only the categories data/defaults.csv names)."""
    with DEFAULTS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    result = {}
    for row in rows:
        if row["category"] not in RetentionCategory.values:
            raise ValueError(f"Catégorie inconnue dans {DEFAULTS_FILE.name} : {row['category']}")
        result[row["category"]] = {
            "active_months": int(row["active_months"]) if row["active_months"] else None,
            "archive_months": int(row["archive_months"]) if row["archive_months"] else None,
            "final_action": row["final_action"],
            "source": row["source"],
            "justification": row["justification"],
        }
    return result


def default_rule(category: str) -> RetentionRule:
    """The unsaved rule a category has before the DPO sets one: the sourced default, or nothing."""
    return RetentionRule(
        category=category, start_event=start_event_for(category), **defaults().get(category, {})
    )


def current_rules() -> dict[str, RetentionRule]:
    """Every category's rule in force, in the order of RetentionCategory."""
    saved = {rule.category: rule for rule in RetentionRule.objects.select_related("changed_by")}
    return {category: saved.get(category) or default_rule(category) for category in RetentionCategory.values}


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the last day of the month when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))
