from decimal import Decimal

from hypothesis import given, strategies as st

from spaser.strategies.numbers import format_euros, format_percent, parse_french_number

amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)


@given(amounts)
def test_an_amount_formatted_in_french_reads_back_unchanged(amount):
    assert parse_french_number(format_euros(amount)) == amount


@given(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False))
def test_a_percentage_formatted_in_french_reads_back_unchanged(value):
    assert parse_french_number(format_percent(value)) == value
