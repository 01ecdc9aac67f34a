from django.core.exceptions import ValidationError

# La Poste's establishments share the SIREN 356000000 and follow another key rule (INSEE):
# the sum of the 14 digits is a multiple of 5.
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_siret(value: str) -> str:
    """Removes the spaces people type inside a SIRET ("234 500 023 00028")."""
    return "".join(str(value).split())


def siret_error(value: str) -> str | None:
    """The French reason why `value` is not a valid SIRET, or None when it is valid."""
    if not value:
        return "Le SIRET est obligatoire."
    if not value.isascii() or not value.isdigit():
        return "Le SIRET ne doit contenir que des chiffres (14 chiffres, sans lettre)."
    if len(value) != 14:
        return f"Le SIRET doit comporter exactement 14 chiffres (vous en avez saisi {len(value)})."
    if value.startswith(LA_POSTE_SIREN) and sum(int(c) for c in value) % 5 == 0:
        return None
    if not luhn_is_valid(value):
        return "La clé de contrôle du SIRET est invalide : vérifiez les chiffres saisis."
    return None


def validate_siret(value: str) -> None:
    error = siret_error(normalize_siret(value))
    if error:
        raise ValidationError(error, code="invalid_siret")
