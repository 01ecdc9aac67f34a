from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from spaser.imports.enums import ImportStatus
from spaser.imports.services import decp_import_file


class Command(BaseCommand):
    help = (
        "Importe des fichiers DECP (formats 2019 et 2024, JSON ou XML, éventuellement .gz), ou le fichier national "
        "au format tabulaire (CSV, éventuellement .gz, ou Parquet). Chaque fichier est importé en entier ou pas du "
        "tout ; les enregistrements illisibles vont en quarantaine."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FICHIER")
        parser.add_argument(
            "--dry-run", action="store_true", help="Simulation : tout est lu et compté, rien n'est enregistré"
        )
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression")

    def handle(self, *, files, dry_run, no_progress, **options):
        failures = 0
        for path in files:
            if not path.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
            bar = None if no_progress else self._bar(path.name)
            run = decp_import_file(path=path, dry_run=dry_run, on_progress=bar)
            if bar is not None:
                self.stderr.write("")
            if run.status == ImportStatus.FAILED:
                failures += 1
                self.stderr.write(self.style.ERROR(f"{path.name} : refusé. {run.error}"))
                continue
            prefix = "[simulation] " if dry_run else ""
            self.stdout.write(
                f"{prefix}{path.name} : {run.read_count} lus = {run.created_count} créés + "
                f"{run.updated_count} mis à jour + {run.unchanged_count} inchangés + "
                f"{run.merged_count} fusionnés + {run.rejected_count} rejetés"
            )
            for reason, count in run.rejected_by_reason.items():
                self.stdout.write(f"    rejet « {reason} » : {count}")
            for code, count in run.anomalies_by_code.items():
                self.stdout.write(f"    anomalie signalée « {code} » : {count}")
        if failures:
            raise CommandError(f"{failures} fichier(s) refusé(s) : voir le journal des imports.")

    def _bar(self, name):
        stream = self.stderr

        def show(done, total, read):
            width = 30
            filled = int(width * done / total) if total else 0
            stream.write(
                f"\r{name} [{'#' * filled}{'.' * (width - filled)}] {100 * done // max(total, 1):3d} % "
                f"{read} enregistrements",
                ending="",
            )
            stream.flush()

        return show
