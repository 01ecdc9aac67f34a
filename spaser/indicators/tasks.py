from huey.contrib.djhuey import db_task


@db_task()
def recompute_indicators(organisation_ids=None):
    """Worker task: recompute the stored indicator values (after an import or a validation)."""
    from spaser.accounts.models import Organisation
    from spaser.indicators.services import indicator_values_compute_all, organisations_to_compute

    organisations = (
        Organisation.objects.filter(pk__in=organisation_ids)
        if organisation_ids is not None
        else organisations_to_compute()
    )
    return indicator_values_compute_all(organisations=organisations)
