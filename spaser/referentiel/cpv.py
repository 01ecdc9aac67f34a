"""The CPV 2008 nomenclature shipped in data/ and the normalisation of CPV codes found in contract data."""

import csv
import functools
import re
from pathlib import Path

CPV_FILE = Path(__file__).resolve().parent / "data" / "cpv_2008_ver_2013_FR.csv"
_NON_DIGIT = re.compile(r"[^0-9]")


@functools.cache
def nomenclature() -> dict[str, tuple[str, str]]:
    """8-digit code → (check digit, French label), read once from the shipped CSV file."""
    with CPV_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {row["CODE"][:8]: (row["CODE"][9:], row["FR"]) for row in csv.DictReader(handle)}


def label(code8: str) -> str:
    entry = nomenclature().get(code8)
    return entry[1] if entry else ""


def normalise(raw) -> str | None:
    """Returns the 8 digits of a CPV code as written in DECP files, or None when it cannot be read.

    Accepted: "45223220-4", "45223220", "452232204" (check digit glued). Real files also hold codes that lost
    a digit in a spreadsheet (examples from decp/real/v1 marches-publics.info: "3111000" for 03111000-2
    "Graines", "4543100-7" for 45431000-7 "Carrelages"): the two 8-digit candidates (leading zero restored,
    trailing zero restored) are looked up in the nomenclature, the check digit deciding when both exist.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    check_digit = None
    if "-" in text:
        text, _, check_digit = text.partition("-")
        check_digit = _NON_DIGIT.sub("", check_digit) or None
    digits = _NON_DIGIT.sub("", text)
    if len(digits) == 9 and check_digit is None:
        digits, check_digit = digits[:8], digits[8]
    if len(digits) == 8:
        return digits
    if len(digits) == 7:
        known = nomenclature()
        candidates = [code for code in (f"0{digits}", f"{digits}0") if code in known]
        if check_digit is not None:
            matching = [code for code in candidates if known[code][0] == check_digit]
            candidates = matching or candidates
        return candidates[0] if candidates else None
    return None
