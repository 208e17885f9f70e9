"""`parcours retention --dry-run` and `parcours retention --apply UUID --user NAME`, for cron."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from parcours.access.journal import Actor
from parcours.retention import services
from parcours.retention.enums import Phase
from parcours.retention.models import RetentionRun
from parcours.retention.rules import TO_CONFIGURE


class Command(BaseCommand):
    help = "Durées de conservation : simulation (rien n'est modifié) ou application d'un rapport examiné."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument(
            "--dry-run",
            action="store_true",
            help="Calcule le rapport de simulation (des nombres, aucun nom) et affiche son identifiant.",
        )
        mode.add_argument(
            "--apply",
            metavar="UUID",
            help="Applique ce rapport de simulation, examiné par le DPO (moins de 7 jours, jamais appliqué).",
        )
        parser.add_argument(
            "--user",
            help="Identifiant du délégué à la protection des données qui applique le rapport (avec --apply).",
        )

    def handle(self, *args, dry_run, apply, user, **options):
        if dry_run:
            report = services.plan_retention()
            self.stdout.write(f"Rapport de simulation {report.uuid} (au {report.reference_date:%d/%m/%Y}) :")
            for row in report.categories:
                self.stdout.write(f"  {row.label} : {self.describe(row)}")
            self.stdout.write(
                f"Pour l'appliquer : parcours retention --apply {report.uuid} --user IDENTIFIANT"
            )
            return
        if not user:
            raise CommandError(
                "Indiquez avec --user le délégué à la protection des données qui applique le rapport."
            )
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError("Utilisateur inconnu ou désactivé.")
        if not RetentionRun.objects.filter(uuid=apply).exists():
            raise CommandError("Rapport introuvable.")
        try:
            results = services.apply_retention(apply, actor=Actor.system(account, channel="command"))
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Rapport {apply} appliqué."))
        for category, counts in results.items():
            self.stdout.write(
                f"  {category} : " + ", ".join(f"{key} {value}" for key, value in counts.items())
            )

    @staticmethod
    def describe(row) -> str:
        if not row.configured:
            return f"{TO_CONFIGURE}, rien n'est touché"
        parts = []
        if Phase.ARCHIVE in row.counts:
            parts.append(f"{row.counts[Phase.ARCHIVE]} vers l'archive intermédiaire")
        if row.disposes:
            parts.append(f"{row.counts.get(Phase.DISPOSE)} supprimés ou anonymisés")
        else:
            parts.append(f"sort final : {TO_CONFIGURE}")
        if Phase.REACTIVATE in row.counts:
            parts.append(f"{row.counts[Phase.REACTIVATE]} retours en base active")
        if row.note:
            parts.append(row.note)
        return ", ".join(parts)
