from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from parcours.demo.services import DemoDataError, Progress, generate_demo_data


class Command(BaseCommand):
    help = (
        "Crée un jeu de données de démonstration synthétique (organismes, établissements, équipes, "
        "personnes accompagnées et leurs dossiers), identique pour une même graine, et affiche un compte "
        "de connexion par rôle. --reset efface d'abord les données existantes (personnes, établissements, "
        "professionnels, journal des accès, comptes de démonstration)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["small", "department", "tiny"],
            default="small",
            metavar="{small,department}",  # "tiny" (3 establishments, 20 persons) is for the tests
            help="small : 5 établissements, 200 personnes, 1 an d'historique (quelques secondes, SQLite ou "
            "PostgreSQL) ; department : 300 établissements, 20 000 personnes, 3 ans, 10 millions de "
            "prestations (PostgreSQL).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Graine du tirage (par défaut 1).")
        parser.add_argument("--reset", action="store_true", help="Efface les données existantes avant.")
        parser.add_argument(
            "--force", action="store_true", help="Autorise la taille department sur SQLite (très lent)."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Confie la génération à une tâche de fond au lieu de l'exécuter ici.",
        )

    def handle(self, *args, scale, seed, reset, force, enqueue, verbosity, **options):
        if enqueue:
            from parcours.demo.tasks import generate_demo_data as task

            result = task.enqueue(scale, seed, reset)
            self.stdout.write(f"Tâche mise en file : {result.id} (état : {result.status}).")
            return
        progress = Progress(self.stdout.write if verbosity > 0 else None)
        try:
            report = generate_demo_data(scale=scale, seed=seed, reset=reset, force=force, progress=progress)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration « {scale} » (graine {seed}) créées en {report.seconds:.1f} s :"
            )
        )
        for label, count in report.counts.items():
            self.stdout.write(f"  {label:<40} {count:>12,}".replace(",", " "))
        self.stdout.write("")
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {report.password}) :")
        for username, description in report.logins:
            self.stdout.write(f"  {username:<24} {description}")
        self.stdout.write("")
        if settings.PARCOURS_REQUIRE_2FA:
            self.stdout.write(
                "Double authentification : ajoutez la clé du compte (ou son lien otpauth://, en QR code) à "
                "une application d'authentification (FreeOTP, Aegis, Google Authenticator…), puis saisissez "
                "le code à 6 chiffres qu'elle affiche après le mot de passe."
            )
        else:
            self.stdout.write(
                "Démonstration : double authentification désactivée (PARCOURS_REQUIRE_2FA=0), le mot de "
                "passe suffit. Clés des comptes, pour l'essayer avec PARCOURS_REQUIRE_2FA=1 :"
            )
        for username, uri in report.totp_uris.items():
            secret = parse_qs(urlparse(uri).query)["secret"][0]
            spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
            self.stdout.write(f"  {username:<24} clé {spaced}")
            self.stdout.write(f"  {'':<24} {uri}")
