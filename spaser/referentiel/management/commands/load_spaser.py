from django.core.management.base import BaseCommand, CommandError

from spaser.accounts.models import Organisation
from spaser.referentiel.loaders.yamlio import ReferentielFileError
from spaser.referentiel.services import spaser_load_file


class Command(BaseCommand):
    help = (
        "Charge un SPASER depuis un fichier YAML (format spaser/1) : crée ou met à jour le SPASER de même code "
        "pour l'organisation indiquée dans le fichier (ou par --organisation). Rien n'est chargé en cas d'erreur."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier YAML du SPASER")
        parser.add_argument("--organisation", help="SIRET de l'organisation (remplace celui du fichier)")

    def handle(self, *, file, organisation, **options):
        target = None
        if organisation:
            target = Organisation.objects.filter(siret=organisation).first()
            if target is None:
                raise CommandError(f"Aucune organisation de SIRET {organisation}.")
        try:
            spaser = spaser_load_file(path=file, organisation=target)
        except ReferentielFileError as error:
            raise CommandError(f"Fichier refusé, rien n'a été chargé :\n{error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"SPASER {spaser.code} chargé : {spaser.axes.count()} axes, {spaser.themes.count()} thématiques, "
                f"{spaser.chantiers.count()} chantiers, {spaser.indicators.count()} indicateurs."
            )
        )
