"""Measured values and statuses of published indicators, read from the indicators app (issue 6).

Computed indicators take the organisation-wide stored value (IndicatorValue); manual indicators the value
a pilot entered (ManualValue). Only the number is read: comments, proofs and who entered them stay private.
"""

from spaser.indicators.selectors import indicator_states


def states_by_pk(indicators, organisation, year) -> dict:
    """IndicatorState per indicator pk, in a fixed number of queries (targets must be prefetched)."""
    indicators = list(indicators)
    if not indicators:
        return {}
    return {state.indicator.pk: state for state in indicator_states(indicators, organisation, year)}


def values_by_year(state) -> dict:
    if state is None:
        return {}
    return {year: measure.value for year, measure in state.series.items() if measure.value is not None}


def status_for(state, year):
    if state is None:
        return None
    return state.status_for(year)
