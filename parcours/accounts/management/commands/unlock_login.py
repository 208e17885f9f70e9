from django.core.management.base import BaseCommand

from parcours.accounts import services


class Command(BaseCommand):
    help = (
        "Débloque tout de suite un identifiant bloqué après trop d'échecs de connexion "
        "(sinon le blocage cesse de lui-même après PARCOURS_LOGIN_LOCKOUT_SECONDS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="Identifiant tel que saisi à la connexion.")

    def handle(self, *args, username, **options):
        if services.unlock_login(username=username):
            self.stdout.write(self.style.SUCCESS("Identifiant débloqué."))
        else:
            self.stdout.write("Aucun échec récent pour cet identifiant : rien à débloquer.")
