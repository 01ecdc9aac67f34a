from django.core.management.base import BaseCommand, CommandError

from spaser.referentiel.loaders.yamlio import ReferentielFileError
from spaser.referentiel.services import (
    DEFAULT_CRITERIA_FILE,
    DEFAULT_FAMILIES_FILE,
    DEFAULT_THRESHOLDS_FILE,
    criteria_load_file,
    families_load_file,
    thresholds_load_file,
)


class Command(BaseCommand):
    help = (
        "Charge (ou recharge) les familles d'achat, les critères et clauses et les seuils depuis leurs fichiers "
        "YAML (par défaut, ceux livrés avec l'application). Écrase les modifications faites depuis l'interface."
    )

    def add_arguments(self, parser):
        parser.add_argument("--families", default=str(DEFAULT_FAMILIES_FILE), help="Fichier des familles d'achat")
        parser.add_argument("--criteria", default=str(DEFAULT_CRITERIA_FILE), help="Fichier des critères et clauses")
        parser.add_argument("--thresholds", default=str(DEFAULT_THRESHOLDS_FILE), help="Fichier des seuils")

    def handle(self, *, families, criteria, thresholds, **options):
        try:
            self.stdout.write(f"{families_load_file(path=families)} familles d'achat chargées")
            self.stdout.write(f"{thresholds_load_file(path=thresholds)} seuils chargés")
            self.stdout.write(f"{criteria_load_file(path=criteria)} critères et clauses chargés")
        except ReferentielFileError as error:
            raise CommandError(f"Fichier refusé, rien n'a été chargé pour ce fichier :\n{error}") from error
