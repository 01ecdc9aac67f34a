from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spaser.referentiel.exports import spaser_yaml
from spaser.referentiel.models import Spaser


class Command(BaseCommand):
    help = "Exporte un SPASER au format YAML (spaser/1), rechargeable par load_spaser sans perte."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="SIRET de l'organisation (par défaut : l'organisation d'accueil)")
        parser.add_argument("--code", help="Code du SPASER (par défaut : le plus récent de l'organisation)")
        parser.add_argument("--output", "-o", help="Fichier de sortie (par défaut : sortie standard)")

    def handle(self, *, organisation, code, output, **options):
        siret = organisation or settings.SPASER_ORGANISATION_SIRET
        spasers = Spaser.objects.filter(organisation__siret=siret).select_related("organisation")
        if code:
            spasers = spasers.filter(code=code)
        spaser = spasers.order_by("-period_start", "code").first()
        if spaser is None:
            raise CommandError(f"Aucun SPASER pour l'organisation {siret}" + (f" et le code {code}" if code else ""))
        text = spaser_yaml(spaser)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"SPASER {spaser.code} exporté dans {output}")
        else:
            self.stdout.write(text, ending="")
