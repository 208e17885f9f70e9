"""`parcours rollups refresh --all` (every night, from cron) or `--since YYYY-MM-DD`, and
`parcours rollups status`: the rollups of the service log (docs/reporting.md)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from parcours.reporting import rollups


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Date invalide : {value} (attendu : AAAA-MM-JJ).") from None


def when(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y à %H:%M}" if moment else "jamais"


class Command(BaseCommand):
    help = "Cumuls du journal des prestations : reconstruction et état."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{refresh,status}")
        refresh = actions.add_parser(
            "refresh",
            help="Recalcule les cumuls à partir du journal des prestations.",
            description="Recalcule les cumuls à partir du journal des prestations, mois par mois.",
        )
        span = refresh.add_mutually_exclusive_group(required=True)
        span.add_argument("--all", action="store_true", help="Tout reconstruire (chaque nuit).")
        span.add_argument(
            "--since", type=iso_date, metavar="AAAA-MM-JJ", help="Seulement les jours à partir de cette date."
        )
        actions.add_parser("status", help="Date de la dernière reconstruction complète.")

    def handle(self, *args, action, **options):
        if action == "status":
            state = rollups.freshness()
            self.stdout.write(f"Données consolidées le : {when(state.rebuilt_at)}")
            self.stdout.write(f"Dernière mise à jour : {when(state.refreshed_at)}")
            return
        since = options["since"]
        self.stdout.write(
            "Reconstruction de tous les cumuls" if since is None else f"Cumuls à partir du {since:%d/%m/%Y}"
        )

        def progress(done: int, total: int, month: datetime.date) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {month:%m/%Y} ({done}/{total}, {100 * done // total} %)")

        result = rollups.refresh_all(since=since, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.months} mois, {result.rows} cumuls journaliers écrits en {result.seconds:.1f} s."
            )
        )
