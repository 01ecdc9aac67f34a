from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spaser.accounts.models import Organisation
from spaser.strategies import programme_import, selectors, services


class Command(BaseCommand):
    help = (
        "Importe une programmation des achats depuis un classeur XLSX. Sans --wet-run : simulation, affiche "
        "l'aperçu (correspondance des colonnes, lignes invalides) et n'écrit rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Classeur .xlsx")
        parser.add_argument("--organisation", required=True, help="SIRET de l'organisation")
        parser.add_argument("--year", type=int, required=True, help="Année des lignes sans date ni année")
        parser.add_argument("--wet-run", action="store_true", help="Sans ce drapeau : simulation, rien n'est écrit")

    def handle(self, *, file, organisation, year, wet_run, **options):
        found = Organisation.objects.filter(siret=organisation).first()
        if found is None:
            raise CommandError(f"Aucune organisation de SIRET {organisation}.")
        if not file.exists():
            raise CommandError(f"Fichier introuvable : {file}")
        preview = programme_import.preview(
            file.read_bytes(), lookups=selectors.import_lookups(found), default_year=year
        )
        if preview.errors:
            raise CommandError("\n".join(preview.errors))
        self.stdout.write(f"En-tête trouvé ligne {preview.header_line} de la feuille « {preview.sheet} ».")
        for column in preview.mapped:
            self.stdout.write(f"  {column.letter} « {column.header} » → {column.field_label}")
        for column in preview.unmapped:
            self.stdout.write(f"  {column.letter} « {column.header} » : ignorée")
        for row in preview.invalid_rows:
            self.stdout.write(f"  ligne {row.line} invalide : " + " ; ".join(row.errors))
        self.stdout.write(f"{len(preview.valid_rows)} ligne(s) valide(s), {len(preview.invalid_rows)} invalide(s).")
        if not wet_run:
            self.stdout.write(
                "Simulation : rien n'a été importé (ajoutez --wet-run pour importer les lignes valides)."
            )
            return
        entries = services.programme_entries_import(organisation=found, rows=[row.data for row in preview.valid_rows])
        self.stdout.write(self.style.SUCCESS(f"{len(entries)} ligne(s) importée(s)."))
