"""`parcours fhir_client --user LOGIN --name NAME --scope system/Patient.read …`: register a system
allowed to call the FHIR API; prints its client id and secret once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from parcours.fhir.clients import register_client


class Command(BaseCommand):
    help = "Enregistre un logiciel autorisé à appeler l'API FHIR (identifiants OAuth2 client credentials)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", required=True, help="identifiant de connexion dont le client a les droits"
        )
        parser.add_argument("--name", required=True, help="nom du logiciel appelant")
        parser.add_argument("--scope", action="append", default=[], help="scope SMART (répétable)")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError("Identifiant de connexion inconnu.")
        try:
            client, client_id, secret = register_client(
                user=user, name=options["name"], scopes=options["scope"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"client_id={client_id}\nclient_secret={secret}\n(le secret ne sera plus affiché)")
