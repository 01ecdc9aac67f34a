from django.conf import settings
from django.core.management.base import BaseCommand

from spaser.imports.services import import_files_purge


class Command(BaseCommand):
    help = (
        "Supprime les fichiers d'import déposés dont la durée de conservation est écoulée "
        "(SPASER_IMPORT_RETENTION_FAILED_DAYS pour les échecs, simulations et fichiers sans enregistrement, "
        "SPASER_IMPORT_RETENTION_DAYS pour les autres). Le journal de chaque import est conservé. "
        "Une tâche du worker le fait chaque nuit."
    )

    def handle(self, **options):
        deleted = import_files_purge()
        self.stdout.write(
            f"{deleted} fichier(s) supprimé(s) (conservation : {settings.SPASER_IMPORT_RETENTION_FAILED_DAYS} jours "
            f"pour les échecs et simulations, {settings.SPASER_IMPORT_RETENTION_DAYS} jours pour les autres)."
        )
