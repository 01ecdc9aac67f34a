from django.apps import AppConfig


class ReferentielConfig(AppConfig):
    name = "spaser.referentiel"
    label = "referentiel"
    verbose_name = "Référentiels"
    bootstrap_order = 20

    def bootstrap(self, *, stdout, demo):
        from django.conf import settings

        from spaser.accounts.models import Organisation
        from spaser.referentiel.services import referentiel_defaults_ensure

        organisation = Organisation.objects.filter(siret=settings.SPASER_ORGANISATION_SIRET).first()
        done = referentiel_defaults_ensure(organisation=organisation)
        stdout.write("  " + ("chargés : " + ", ".join(done) if done else "référentiels déjà chargés"))
