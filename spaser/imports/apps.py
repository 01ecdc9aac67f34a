from django.apps import AppConfig

from spaser.core.navigation import NavEntry


class ImportsConfig(AppConfig):
    name = "spaser.imports"
    label = "imports"
    verbose_name = "Imports"
    bootstrap_order = 40

    @property
    def navigation(self):
        return [
            NavEntry(
                "Imports",
                "imports:run_list",
                description="Journal des imports de données, quarantaine, dépôt d'un fichier DECP.",
                order=45,
            )
        ]

    def bootstrap(self, *, stdout, demo):
        """Imports the real DECP files shipped with the code (once: a file already imported is skipped)."""
        from spaser.imports.services import decp_import_embedded

        for run in decp_import_embedded():
            stdout.write(
                f"  {run.file_name} : {run.read_count} lus, {run.created_count} créés, "
                f"{run.merged_count} fusionnés, {run.rejected_count} rejetés"
            )
