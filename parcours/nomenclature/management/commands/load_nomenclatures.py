from django.core.management.base import BaseCommand

from parcours.nomenclature.loader import load_systems
from parcours.nomenclature.models import CodeSystem, Concept


class Command(BaseCommand):
    help = "Charge ou met à jour les nomenclatures (SERAFIN-PH, catégories FINESS...) depuis les fichiers."

    def handle(self, *args, **options):
        counts = load_systems(CodeSystem, Concept)
        for slug, count in counts.items():
            self.stdout.write(f"{slug} : {count} codes")
