from django.apps import AppConfig

from spaser.core.navigation import NavEntry


class ReferentielConfig(AppConfig):
    name = "spaser.referentiel"
    label = "referentiel"
    verbose_name = "Référentiels"
    bootstrap_order = 20

    @property
    def navigation(self):
        return [
            NavEntry(
                "SPASER",
                "referentiel:spaser_list",
                description="Axes, thématiques, chantiers et indicateurs du schéma, avec leurs cibles.",
                order=20,
            ),
            NavEntry(
                "Critères et clauses",
                "referentiel:criteria",
                description="Le référentiel de critères et de clauses responsables par famille d'achat.",
                order=21,
            ),
            NavEntry(
                "Familles d'achat",
                "referentiel:families",
                description="Familles d'achat et rattachement des codes CPV.",
                order=22,
            ),
            NavEntry(
                "Seuils et obligations",
                "referentiel:thresholds",
                description="Seuils par période et obligations applicables selon la date de lancement.",
                order=23,
            ),
            NavEntry(
                "Référentiel public",
                "referentiel:public_criteria",
                description="Ce que la collectivité demande à ses fournisseurs (page publique).",
                public=True,
                order=90,
            ),
        ]

    def bootstrap(self, *, stdout, demo):
        from django.conf import settings

        from spaser.accounts.models import Organisation
        from spaser.referentiel.services import referentiel_defaults_ensure

        organisation = Organisation.objects.filter(siret=settings.SPASER_ORGANISATION_SIRET).first()
        done = referentiel_defaults_ensure(organisation=organisation)
        stdout.write("  " + ("chargés : " + ", ".join(done) if done else "référentiels déjà chargés"))
