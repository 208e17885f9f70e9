"""`parcours dashboards warm`: compute the figures of the dashboards' default period (the last
complete year) for every scope into the shared cache, after the nightly rebuild of the rollups and,
if wished, every hour (docs/reporting.md)."""

import time

from django.core.management.base import BaseCommand

from parcours.reporting import dashboards
from parcours.reporting.forms import default_period


class Command(BaseCommand):
    help = "Tableaux de bord : calcul à l'avance des chiffres de la période par défaut."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{warm}")
        actions.add_parser(
            "warm",
            help="Calcule les chiffres de la dernière année complète pour chaque périmètre.",
        )

    def handle(self, *args, action, **options):
        period = default_period()
        started = time.perf_counter()
        self.stdout.write(f"Calcul des chiffres du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}")

        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 1 and (done == total or done % 50 == 0):
                self.stdout.write(f"  {done}/{total} périmètres ({100 * done // total} %)")

        computed = dashboards.warm(period, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"{computed} valeurs calculées en {time.perf_counter() - started:.1f} s.")
        )
