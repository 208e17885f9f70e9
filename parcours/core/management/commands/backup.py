from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from parcours.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les documents dans une archive (.tar.gz)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="Fichier de l'archive (par défaut : var/backups/parcours-AAAAMMJJ-HHMMSS.tar.gz).",
        )

    def handle(self, *args, **options):
        from django.conf import settings

        output = Path(
            options["output"]
            or Path(settings.VAR_DIR) / "backups" / f"parcours-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        )
        try:
            manifest = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Sauvegarde écrite : {output} ({len(manifest['tables'])} tables, {rows} lignes, "
            f"{len(manifest['media'])} documents)."
        )
