from decimal import Decimal


def plain_number(value: Decimal | None):
    """Decimal → int when integral, else float: the form written to and read from YAML files."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value.normalize())
