from django.core.management.base import BaseCommand

from parcours.privacy.tasks import purge_exports


class Command(BaseCommand):
    help = (
        "Supprime les archives d'export des données des personnes dont la durée de disponibilité est "
        "dépassée (PARCOURS_EXPORT_LIFETIME_DAYS). À lancer chaque jour (cron, timer systemd)."
    )

    def handle(self, *args, **options):
        result = purge_exports.call()
        purged = result["purged"]
        if purged:
            self.stdout.write(f"{purged} archive(s) expirée(s) supprimée(s).")
        else:
            self.stdout.write("Aucune archive expirée.")
