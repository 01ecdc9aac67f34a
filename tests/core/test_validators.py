import string

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, strategies as st

from spaser.core.validators import luhn_is_valid, siret_error, validate_siret

REAL_VALID_SIRETS = [
    "23450002300028",  # Région Centre-Val de Loire
    "21450068800012",  # Ville de Châlette-sur-Loing (real DECP buyer)
    "35600000000048",  # La Poste, siège (Luhn)
    "35600000049837",  # La Poste, an establishment (sum of digits multiple of 5, not Luhn)
]


@pytest.mark.parametrize("siret", REAL_VALID_SIRETS)
def test_real_sirets_are_valid(siret):
    assert siret_error(siret) is None


def test_spaces_are_accepted():
    validate_siret("234 500 023 00028")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2345000230002", "exactement 14 chiffres (vous en avez saisi 13)"),
        ("234500023000288", "exactement 14 chiffres (vous en avez saisi 15)"),
        ("2345000230002A", "que des chiffres"),
        ("23450002300029", "clé de contrôle"),
        ("２３４５０００２３０００２８", "que des chiffres"),  # full-width digits are not ASCII digits
        ("", "obligatoire"),
    ],
)
def test_invalid_sirets_get_a_french_reason(value, expected):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)
    assert expected in error.value.messages[0]


def _with_luhn_key(body: str) -> str:
    for last in string.digits:
        if luhn_is_valid(body + last):
            return body + last
    raise AssertionError("one check digit always fits")


@given(st.text(alphabet=string.digits, min_size=13, max_size=13).filter(lambda b: not b.startswith("356000000")))
def test_exactly_one_check_digit_makes_a_valid_siret(body):
    valid = [d for d in string.digits if siret_error(body + d) is None]
    assert valid == [_with_luhn_key(body)[-1]]


@given(
    st.text(alphabet=string.digits, min_size=13, max_size=13).filter(lambda b: not b.startswith("356000000")),
    st.integers(min_value=0, max_value=13),
    st.integers(min_value=1, max_value=9),
)
def test_changing_one_digit_of_a_valid_siret_is_detected(body, position, delta):
    siret = _with_luhn_key(body)
    altered = siret[:position] + str((int(siret[position]) + delta) % 10) + siret[position + 1 :]
    assert siret_error(altered) is not None


@given(st.text(min_size=1, max_size=20))
def test_any_text_gets_either_none_or_a_french_message(value):
    error = siret_error(value)
    if error is None:
        assert len(value) == 14 and value.isdigit()
    else:
        assert error.startswith(("Le SIRET", "La clé"))
