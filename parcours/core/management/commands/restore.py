from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from parcours.core.backup import BackupError, Target, restore_backup


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde dans une base vide (nouveau fichier SQLite ou nouvelle base PostgreSQL), "
        "puis vérifie chaque table et chaque document."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="L'archive produite par « parcours backup ».")
        parser.add_argument(
            "--database-url",
            required=True,
            help="La base cible, vide (ex. sqlite:////srv/parcours/var/parcours.sqlite3 ou postgres://…/parcours).",
        )
        parser.add_argument(
            "--media-root", help="Dossier des documents (par défaut : celui de la configuration)."
        )

    def handle(self, *args, **options):
        media_root = Path(options["media_root"] or settings.MEDIA_ROOT)
        try:
            manifest = restore_backup(
                Path(options["archive"]), Target.from_url(options["database_url"]), media_root
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Restauration vérifiée : {len(manifest['tables'])} tables, {rows} lignes, "
            f"{len(manifest['media'])} documents (sauvegarde du {manifest['created_at']})."
        )
