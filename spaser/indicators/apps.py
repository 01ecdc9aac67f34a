from django.apps import AppConfig

from spaser.core.navigation import NavEntry, PendingItem


class IndicatorsConfig(AppConfig):
    name = "spaser.indicators"
    label = "indicators"
    verbose_name = "Indicateurs et tableau de bord"
    bootstrap_order = 70

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from spaser.strategies.models import ProjectContract, ProjectTransitionLog

        post_save.connect(_link_changed, sender=ProjectContract, dispatch_uid="indicators_link_saved")
        post_delete.connect(_link_changed, sender=ProjectContract, dispatch_uid="indicators_link_deleted")
        # Confirming a form's contracts creates its links in bulk (no post_save): its log line stands for them.
        post_save.connect(_links_logged, sender=ProjectTransitionLog, dispatch_uid="indicators_links_logged")

    @property
    def navigation(self):
        return [
            NavEntry(
                "Tableau de bord",
                "indicators:overview",
                description="Avancement du SPASER : indicateurs, trajectoires et statuts par chantier.",
                order=15,
            ),
        ]

    def pending_for(self, request) -> list[PendingItem]:
        from spaser.indicators.selectors import missing_manual_values

        if not request.user.is_authenticated or request.organisation is None:
            return []
        from spaser.accounts.enums import Role

        if not (request.roles & {Role.PILOT, Role.ADMIN}):
            return []
        from django.urls import reverse

        missing = missing_manual_values(request.organisation)
        if not missing:
            return []
        year = missing[0][1]
        return [
            PendingItem(
                f"Indicateurs à renseigner pour {year}",
                len(missing),
                reverse("indicators:manual_missing"),
            )
        ]

    def bootstrap(self, *, stdout, demo):
        from spaser.indicators.services import bootstrap_values

        for line in bootstrap_values(demo=demo):
            stdout.write(f"  {line}")


def _link_changed(sender, instance, **kwargs):
    from spaser.indicators.services import project_contract_changed

    project_contract_changed(project_contract=instance)


def _links_logged(sender, instance, created, **kwargs):
    from spaser.strategies.enums import ContractLinkEvent

    if created and instance.transition == ContractLinkEvent.LINKED:
        from spaser.indicators.services import project_contracts_linked

        project_contracts_linked(project_id=instance.project_id)
