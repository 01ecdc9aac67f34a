"""Stored indicator values, read from the indicators app once it exists (issue 6).

Until then an indicator has no stored value and the pages show its baseline and targets only.
"""

from django.apps import apps


def values_by_year(indicator) -> dict:
    if not apps.is_installed("spaser.indicators"):
        return {}
    return {}
