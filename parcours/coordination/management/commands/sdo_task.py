import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from parcours.access.api import AccessDenied, Actor, Category, read_person
from parcours.coordination.models import AdmissionRequest
from parcours.coordination.sdo import esms_task


class Command(BaseCommand):
    help = (
        "Affiche le statut d'une demande d'admission au format ESMSTask du guide ANS « Suivi des "
        "décisions d'orientation » (JSON FHIR R4), lu au nom d'un utilisateur (la lecture est journalisée)."
    )

    def add_arguments(self, parser):
        parser.add_argument("request_uuid", help="UUID de la demande d'admission.")
        parser.add_argument("--user", required=True, help="Identifiant de l'utilisateur qui lit la demande.")

    def handle(self, *args, request_uuid, user, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        request = AdmissionRequest.objects.filter(uuid=request_uuid).select_related("person").first()
        if account is None or request is None:
            raise CommandError("Utilisateur ou demande introuvable.")
        try:
            read_person(Actor.system(account), request.person, Category.PARCOURS, obj=request)
            task = esms_task(request)
        except AccessDenied as exc:
            raise CommandError("Demande hors du périmètre de cet utilisateur.") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(json.dumps(task, ensure_ascii=False, indent=2))
