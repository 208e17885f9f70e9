from django.core.management.base import BaseCommand

from parcours.fhir.tasks import purge_bulk_files


class Command(BaseCommand):
    help = (
        "Supprime les fichiers des exports et imports FHIR en masse dont la durée de disponibilité est "
        "dépassée (PARCOURS_FHIR_EXPORT_HOURS). À lancer chaque jour (cron, timer systemd)."
    )

    def handle(self, *args, **options):
        purged = purge_bulk_files.call()["purged"]
        self.stdout.write(f"{purged} travail(s) purgé(s)." if purged else "Aucun fichier expiré.")
