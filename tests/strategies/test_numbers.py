from decimal import Decimal

import pytest

from spaser.strategies.numbers import NumberError, format_euros, format_percent, parse_french_number


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 234,56 €", Decimal("1234.56")),
        ("1\u202f234,56\u00a0€ HT", Decimal("1234.56")),
        ("12,5 %", Decimal("12.5")),
        ("12k€", Decimal("12000")),
        ("1,2 M€", Decimal("1200000")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("1.234", Decimal("1234")),
        ("12.5", Decimal("12.5")),
        ("40000", Decimal("40000")),
        ("-5", Decimal("-5")),
        (40000.5, Decimal("40000.5")),
        (12, Decimal("12")),
    ],
)
def test_parse_french_number_reads_what_buyers_write(text, expected):
    assert parse_french_number(text) == expected


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_french_number_empty_is_none(text):
    assert parse_french_number(text) is None


@pytest.mark.parametrize("text", ["douze", "12,5,3", "1.2.3", "€", "12 k€ environ", True])
def test_parse_french_number_refuses_text_with_a_french_message(text):
    with pytest.raises(NumberError) as error:
        parse_french_number(text)
    assert "nombre" in str(error.value) or "virgules" in str(error.value) or "points" in str(error.value)


def test_format_euros_and_percent_in_french():
    assert format_euros(Decimal("1234567.5")) == "1\u202f234\u202f567,50 € HT"
    assert format_euros(Decimal("40000")) == "40\u202f000 € HT"
    assert format_percent(Decimal("12.50")) == "12,5 %"
