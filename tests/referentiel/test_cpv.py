"""Every CPV code resolves to a purchase family: the whole nomenclature and the real DECP files."""

import json

import pytest

from spaser.referentiel import cpv
from spaser.referentiel.selectors import resolve_families, resolve_family
from tests.referentiel.conftest import SHARED_DATA

DECP_REAL = SHARED_DATA / "decp" / "real"
# Values of the codeCPV field of decp/real/v1 that are not CPV codes of any version: a placeholder for
# "unknown" (00000000-1, 11111111-1) and a date typed into the field (20190128-1). No division 00, 11 or 20
# exists; resolving them to a family would be a guess, so the import must flag them instead.
NOT_CPV_CODES = {"00000000-1", "11111111-1", "20190128-1"}


def _decp_cpv_codes() -> set[str]:
    codes = set()
    for path in sorted(DECP_REAL.glob("*/*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))["marches"]
        records = payload if isinstance(payload, list) else [r for group in payload.values() for r in group]
        codes.update(record["codeCPV"] for record in records if record.get("codeCPV"))
    return codes


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("45223220-4", "45223220"),
        ("45223220", "45223220"),
        ("452232204", "45223220"),
        (" 09310000-5 ", "09310000"),
        # Real codes that lost a digit (decp/real/v1): leading zero, then trailing zero, decided by the nomenclature.
        ("3111000", "03111000"),
        ("4543100-7", "45431000"),
        ("031210005", "03121000"),
        ("", None),
        (None, None),
        ("pas un code", None),
    ],
)
def test_normalise(raw, expected):
    assert cpv.normalise(raw) == expected


def test_shared_decp_files_are_present():
    assert len(_decp_cpv_codes()) > 1000, f"fichiers DECP introuvables sous {DECP_REAL.resolve()}"


def test_every_cpv_code_of_the_real_decp_files_resolves_to_a_family(defaults_loaded, django_assert_max_num_queries):
    codes = _decp_cpv_codes()
    with django_assert_max_num_queries(1):
        families = resolve_families(codes)
    unresolved = {code for code, family in families.items() if family is None}
    assert unresolved == NOT_CPV_CODES


def test_every_code_of_the_nomenclature_resolves(defaults_loaded):
    families = resolve_families(cpv.nomenclature())
    assert all(families.values())


def test_resolve_family_takes_the_longest_prefix(defaults_loaded):
    assert resolve_family("45000000-7").code == "TRV-CONSTRUCTION"
    assert resolve_family("45112710-5").code == "ESPACES-VERTS"
    assert resolve_family("09310000-5").code == "ENERGIE"
    assert resolve_family("50720000-8").code == "BATIMENT-EXPLOITATION"
    assert resolve_family("50100000-6").code == "VEHICULES"
    assert resolve_family("50000000-5").code == "MAINTENANCE-EQUIPEMENTS"
    assert resolve_family("55523100-3").code == "ALIMENTATION"
    assert resolve_family("60112000-6").code == "TRANSPORT-VOYAGEURS"
    assert resolve_family("n'importe quoi") is None


def test_single_and_bulk_resolution_agree(defaults_loaded):
    sample = sorted(_decp_cpv_codes())[::25]
    bulk = resolve_families(sample)
    assert all(resolve_family(code) == bulk[code] for code in sample)
