"""Reporting's own tables. They hold counts and sums only, never a person."""

from django.db import models

from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment

# Rollups
#
# Totals of the service log, so that no indicator reads its millions of rows (docs/reporting.md).
# They are derived data, rebuilt from the service log by `parcours.reporting.rollups`: never edit a
# row by hand.
#
# Their foreign keys have no constraint nor index of their own in the database: every row is copied
# from the service log, whose own keys are checked, and the check of each key at commit took more than
# a third of a full rebuild (bench/rollups.py). Deleting an establishment or a code through Django
# still deletes its totals (CASCADE: a total keeps nothing alive); the unique key's index leads with
# the establishment and serves every read.


def _rollup_key(to, **kwargs):
    return models.ForeignKey(
        to, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False, **kwargs
    )


class ServiceDayRollup(models.Model):
    """The prestations logged in one establishment on one day with one SERAFIN-PH code: how many
    lines of the service log, and the sum of their durations."""

    establishment = _rollup_key(Establishment)
    day = models.DateField("jour")
    concept = _rollup_key(Concept)
    deliveries = models.PositiveIntegerField("prestations")
    minutes = models.PositiveBigIntegerField("durée totale (minutes)")

    class Meta:
        verbose_name = "cumul journalier des prestations"
        verbose_name_plural = "cumuls journaliers des prestations"
        # The key's index serves the reads of an establishment or a few (its leading columns); the
        # index on the day, those of a department or a region on the days around the whole months of a
        # period, which PostgreSQL would otherwise read by scanning the whole table.
        constraints = [
            models.UniqueConstraint(fields=["establishment", "day", "concept"], name="service_day_rollup_key")
        ]
        indexes = [models.Index(fields=["day"], name="service_day_rollup_day")]

    def __str__(self) -> str:
        return f"{self.day} : {self.deliveries} prestations"


class ServiceMonthRollup(models.Model):
    """The same totals for a whole calendar month (`month` is its first day), summed from the daily
    rows: a year for a region reads some 100,000 of them instead of 700,000 daily ones."""

    establishment = _rollup_key(Establishment)
    month = models.DateField("mois (premier jour)")
    concept = _rollup_key(Concept)
    deliveries = models.PositiveIntegerField("prestations")
    minutes = models.PositiveBigIntegerField("durée totale (minutes)")

    class Meta:
        verbose_name = "cumul mensuel des prestations"
        verbose_name_plural = "cumuls mensuels des prestations"
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "month", "concept"], name="service_month_rollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} : {self.deliveries} prestations"


class RollupState(models.Model):
    """One row per rollup family: when it was last rebuilt in full (what a dashboard shows as « données
    consolidées le … ») and last refreshed in part. Refreshes lock this row, so that two of them never
    rewrite the same totals at once."""

    name = models.CharField(max_length=40, unique=True)
    rebuilt_at = models.DateTimeField("dernière reconstruction complète", null=True, blank=True)
    refreshed_at = models.DateTimeField("dernière mise à jour", null=True, blank=True)

    class Meta:
        verbose_name = "état des cumuls"
        verbose_name_plural = "états des cumuls"

    def __str__(self) -> str:
        return self.name
