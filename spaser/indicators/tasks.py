from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def recompute_indicators(organisation_ids=None, keys=None):
    """Worker task: recompute the stored indicator values (after an import, a validation or a contract link);
    ``keys`` limits the recompute to some indicators."""
    from spaser.accounts.models import Organisation
    from spaser.indicators.services import indicator_values_compute_all, organisations_to_compute

    organisations = (
        Organisation.objects.filter(pk__in=organisation_ids)
        if organisation_ids is not None
        else organisations_to_compute()
    )
    return indicator_values_compute_all(organisations=organisations, keys=keys)


@db_periodic_task(crontab(minute="*/5"))
def recompute_stale_indicators():
    """Every five minutes: recompute the organisations whose contracts were imported or forms validated since
    their last computation (see selectors.stale_organisation_ids)."""
    from spaser.accounts.models import Organisation
    from spaser.indicators.selectors import stale_organisation_ids
    from spaser.indicators.services import indicator_values_compute_all

    organisation_ids = stale_organisation_ids()
    if organisation_ids:
        indicator_values_compute_all(organisations=Organisation.objects.filter(pk__in=organisation_ids))
    return organisation_ids
