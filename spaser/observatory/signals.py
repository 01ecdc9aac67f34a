"""What invalidates the cache of the public pages (see page_cache): every record the public pages show.

The stored indicator values are not listed: the indicators app replaces them in bulk (no signal); the page
cache's version follows their highest id instead.
"""

from django.db.models.signals import post_delete, post_save

from spaser.observatory.page_cache import publication_cache_invalidate_on_commit


def _watched_models():
    from spaser.indicators.models import ManualValue
    from spaser.observatory.models import PublishedIndicator
    from spaser.referentiel.models import Axis, Chantier, Indicator, Spaser, Target, Theme
    from spaser.strategies.models import ProgrammeEntry

    return [PublishedIndicator, ManualValue, Spaser, Axis, Theme, Chantier, Indicator, Target, ProgrammeEntry]


def _invalidate(sender, **kwargs):
    publication_cache_invalidate_on_commit(f"{sender._meta.label} changed")


def connect() -> None:
    for model in _watched_models():
        post_save.connect(_invalidate, sender=model, dispatch_uid=f"observatory-pages-saved-{model._meta.label}")
        post_delete.connect(_invalidate, sender=model, dispatch_uid=f"observatory-pages-deleted-{model._meta.label}")
