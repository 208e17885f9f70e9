from django.core.management.base import BaseCommand, CommandError

from parcours.core import crypto, rotation
from parcours.core.fields import encrypted_fields


class Command(BaseCommand):
    help = (
        "Ajoute une nouvelle clé de chiffrement des données en tête du fichier de clés, puis rechiffre "
        "avec elle chaque texte chiffré et chaque document, par lots. --resume reprend une rotation "
        "interrompue ; --retire-old retire ensuite les anciennes clés. Sans fichier de clés, crée la "
        "première clé d'une nouvelle instance."
    )
    # Runs when the key file is missing, which the system checks refuse.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Reprendre une rotation interrompue : pas de nouvelle clé, rechiffrer ce qui reste.",
        )
        parser.add_argument(
            "--retire-old",
            action="store_true",
            help="Retirer les anciennes clés du fichier, une fois tout rechiffré (refusé si une donnée "
            "en dépend encore). Seule, n'ajoute pas de clé.",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Lignes par lot et par transaction.")

    def handle(self, *args, **options):
        path = crypto.key_file()
        batch = options["batch_size"]
        if batch < 1:
            raise CommandError("--batch-size doit être positif.")
        if not path.exists():
            if options["resume"]:
                raise CommandError(crypto.missing_message(path))
            self.check_no_encrypted_data()
            rotation.add_key(path)
            self.stdout.write(f"Fichier de clés créé : {path} (mode 600). Gardez-en une copie à part.")
            return
        if not options["resume"] and not options["retire_old"]:
            copy = rotation.add_key(path)
            self.stdout.write(f"Nouvelle clé ajoutée en tête de {path} ; ancien fichier copié dans {copy}.")
        if not options["retire_old"] or options["resume"]:
            self.reencrypt(path, batch)
        if options["retire_old"]:
            self.retire(path, batch)

    def reencrypt(self, path, batch: int) -> None:
        first = crypto.fingerprint(crypto.load_keys()[0])
        self.stdout.write(f"Rechiffrement avec la clé {first}…")
        try:
            values = rotation.reencrypt_columns(batch, self.progress)
            files = rotation.reencrypt_files(batch, self.progress)
        except crypto.DecryptionError as exc:
            raise CommandError(f"{exc} Vérifiez le fichier de clés ({path}).") from exc
        self.stdout.write(
            f"Rechiffré : {values.reencrypted} textes sur {values.seen}, {files.reencrypted} documents "
            f"sur {files.seen}."
        )
        if files.missing:
            self.stderr.write(f"Documents introuvables sur le disque : {files.missing}.")

    def progress(self, label: str, done: int, total: int) -> None:
        self.stdout.write(f"  {label} : {done}/{total}")

    def retire(self, path, batch: int) -> None:
        """Remove the old keys only once a fresh pass finds no value that still needs them (the
        application may have written with an old key while it still had the previous file)."""
        values = rotation.reencrypt_columns(batch, self.quiet, write=False)
        files = rotation.reencrypt_files(batch, self.quiet, write=False)
        if values.old or files.old:
            raise CommandError(
                f"Anciennes clés conservées : {values.old} textes et {files.old} documents en dépendent "
                "encore. Relancez « parcours rotate-data-key --resume --retire-old »."
            )
        removed = rotation.retire_old_keys(path)
        self.stdout.write(f"Anciennes clés retirées du fichier : {removed}.")

    def quiet(self, label: str, done: int, total: int) -> None:
        pass

    def check_no_encrypted_data(self) -> None:
        if any(
            model._base_manager.exclude(**{field.name: ""}).exists() for model, field in encrypted_fields()
        ):
            raise CommandError(
                f"Le fichier de clés {crypto.key_file()} est absent alors que la base contient des données "
                "chiffrées : restaurez-le depuis sa copie de sécurité (une nouvelle clé ne les lirait pas)."
            )
