from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spaser.imports.enums import ImportStatus
from spaser.imports.services import sirene_import_file


class Command(BaseCommand):
    help = (
        "Enrichit les fournisseurs connus (titulaires de contrats) depuis les fichiers stock SIRENE de l'INSEE "
        "(StockUniteLegale puis StockEtablissement, CSV éventuellement .gz), lus en flux."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FICHIER")
        parser.add_argument("--dry-run", action="store_true", help="Simulation : rien n'est enregistré")

    def handle(self, *, files, dry_run, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
            run = sirene_import_file(path=path, dry_run=dry_run)
            if run.status == ImportStatus.FAILED:
                raise CommandError(f"{path.name} : refusé. {run.error}")
            self.stdout.write(
                f"{'[simulation] ' if dry_run else ''}{path.name} ({run.get_kind_display()}) : "
                f"{run.read_count} lignes de fournisseurs connus, {run.updated_count} mis à jour, "
                f"{run.unchanged_count} inchangés ; {run.anomalies_by_code.get('hors_perimetre', 0)} lignes "
                "hors périmètre ignorées"
            )
