"""`parcours audit verify`: check that the access log was neither changed nor cut."""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from parcours.access.verify import verify_chain

ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def anchor(value: str) -> tuple[int, str]:
    match = ANCHOR.match(value.strip().lower())
    if not match:
        raise ValueError(value)
    return int(match.group(1)), match.group(2)


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Audit du journal des accès."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        verify = actions.add_parser(
            "verify",
            help="Vérifie la chaîne d'empreintes : entrées modifiées, supprimées ou déplacées.",
            description=(
                "Parcourt le journal des accès dans l'ordre de ses numéros et vérifie l'empreinte de "
                "chaque entrée et son lien avec la précédente. Code de sortie 1 si une anomalie est "
                "trouvée."
            ),
        )
        verify.add_argument(
            "--anchor",
            action="append",
            type=anchor,
            default=[],
            metavar="NUMÉRO:EMPREINTE",
            help=(
                "Point de contrôle relevé lors d'une vérification précédente (dernière entrée et son "
                "empreinte) : détecte la suppression des dernières entrées. Répétable."
            ),
        )
        verify.add_argument(
            "--batch-size",
            type=positive,
            default=5000,
            help="Entrées lues par requête (5000 par défaut).",
        )
        verify.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Base de données (default).")

    def handle(self, *args, **options):
        if options["action"] == "verify":
            self.verify(options)

    def verify(self, options):
        report = verify_chain(
            batch_size=options["batch_size"], anchors=dict(options["anchor"]), using=options["database"]
        )
        if report.checked == 0 and not report.problems:
            self.stdout.write("Le journal des accès est vide.")
            return
        if report.checked:
            self.stdout.write(
                f"Journal des accès : {report.checked} entrée{'s' if report.checked > 1 else ''} "
                f"vérifiée{'s' if report.checked > 1 else ''} (n° {report.first_sequence} à "
                f"n° {report.last_sequence})."
            )
        for problem in report.problems:
            self.stdout.write(f"- {problem.message}")
        if report.omitted:
            self.stdout.write(f"- … et {report.omitted} autre(s) anomalie(s) non détaillée(s).")
        if report.last_sequence is not None:
            self.stdout.write(
                f"Dernière entrée : n° {report.last_sequence}, empreinte {report.last_hash}. Conservez "
                "ce point de contrôle hors du serveur et passez-le aux vérifications suivantes : "
                f"--anchor {report.last_sequence}:{report.last_hash}"
            )
        if not report.intact:
            count = report.problem_count
            raise CommandError(
                f"Le journal des accès a été altéré : {count} anomalie{'s' if count > 1 else ''} "
                f"détectée{'s' if count > 1 else ''}.",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS("Chaîne intacte : aucune entrée modifiée, supprimée ni déplacée.")
        )
