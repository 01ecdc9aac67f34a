"""Reads numbers as French buyers write them: "1 234,56 €", "12,5 %", "12k€", "1,2 M€", "1.234.567,00".

Used by the forms and by the programme import, so that the same text gives the same value everywhere.
"""

import re
from decimal import Decimal, InvalidOperation

# Spaces people (and spreadsheets) put inside numbers: ordinary, non-breaking, narrow non-breaking.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_UNITS = re.compile(r"(€|eur(os?)?|ht|ttc|%)", re.IGNORECASE)
_MULTIPLIERS = {"k": Decimal(1000), "m": Decimal(1_000_000)}
_DIGITS = re.compile(r"^[+-]?(\d+([.,]\d+)*)?$")
_THOUSANDS_DOTS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")


class NumberError(ValueError):
    """The French reason why a text is not a number."""


def parse_french_number(value) -> Decimal | None:
    """The Decimal written in `value`, None for an empty value; raises NumberError otherwise.

    A comma is the decimal separator; dots are thousands separators when they group digits by three
    ("1.234.567"), a decimal point otherwise ("12.5"), and when a text holds both, the last one is decimal.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberError("Une case à cocher n'est pas un nombre.")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = _SPACES.sub("", str(value))
    if not text:
        return None
    text = _UNITS.sub("", text)
    multiplier = Decimal(1)
    if text and text[-1].lower() in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[text[-1].lower()]
        text = text[:-1]
    if not text or not _DIGITS.match(text):
        raise NumberError(
            f"« {str(value).strip()} » n'est pas un nombre (exemples acceptés : 1 234,56 € ; 12,5 % ; 12k€)."
        )
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text:
        if text.count(",") > 1:
            raise NumberError(f"« {str(value).strip()} » contient plusieurs virgules.")
        text = text.replace(",", ".")
    elif _THOUSANDS_DOTS.match(text):
        text = text.replace(".", "")
    elif text.count(".") > 1:
        raise NumberError(f"« {str(value).strip()} » contient plusieurs points.")
    try:
        return Decimal(text) * multiplier
    except InvalidOperation as error:
        raise NumberError(f"« {str(value).strip()} » n'est pas un nombre.") from error


def format_euros(amount) -> str:
    """1234567.5 → "1 234 567,50 € HT" (narrow non-breaking spaces as thousands separator)."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    text = f"{amount:,.2f}" if amount != amount.to_integral() else f"{amount:,.0f}"
    return text.replace(",", "\u202f").replace(".", ",") + " € HT"


def format_percent(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text} %"
