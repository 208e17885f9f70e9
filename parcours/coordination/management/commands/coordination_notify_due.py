from django.core.management.base import BaseCommand

from parcours.coordination.tasks import notify_due_tasks


class Command(BaseCommand):
    help = (
        "Prévient les membres du cercle dont une tâche arrive à échéance aujourd'hui ou demain (un avis "
        "par tâche et par jour, même lancé plusieurs fois). À lancer chaque jour (cron, timer systemd)."
    )

    def handle(self, *args, **options):
        notified = notify_due_tasks.call()["notified"]
        if notified:
            self.stdout.write(f"{notified} avis de tâche à échéance envoyé(s).")
        else:
            self.stdout.write("Aucune tâche à échéance à signaler.")
