from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from parcours.accounts import services


class Command(BaseCommand):
    help = (
        "Retire l'application d'authentification et les codes de secours d'un compte (téléphone perdu) : "
        "la personne en configure une nouvelle à sa prochaine connexion. Vérifiez son identité avant."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError("Aucun compte ne porte cet identifiant.")
        removed = services.reset_second_factor(user)
        self.stdout.write(
            self.style.SUCCESS(f"Double authentification réinitialisée ({removed} élément(s) retiré(s)).")
        )
