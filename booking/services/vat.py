"""Italian VAT numbers (partita IVA): 11 digits with a Luhn check digit.

The rules are those of python-stdnum's `stdnum.it.iva`: besides the checksum, the progressive
number (digits 1-7) may not be all zeros and the provincial office code (digits 8-10) must be one
that the revenue agency hands out. A passing number may still not exist.
"""

VALID_OFFICE_CODES = frozenset({*range(1, 101), 120, 121, 888, 999})
WRONG_FORMAT_MESSAGE = "An Italian VAT number (partita IVA) has 11 digits."
INVALID_MESSAGE = "This is not a valid Italian VAT number (partita IVA): please check the digits."


class InvalidVatNumber(ValueError):
    pass


def _luhn_sum(digits: str) -> int:
    """Luhn sum over all digits; a correct number sums to a multiple of 10."""
    total = 0
    # From the right: the check digit as it is, every second digit before it doubled.
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total


def normalise(value: str) -> str:
    """The 11 digits of a partita IVA written with or without spaces and the `IT` prefix.

    Raises InvalidVatNumber when the number is malformed or fails a check.
    """
    compact = "".join(value.split()).upper()
    compact = compact.removeprefix("IT")
    if len(compact) != 11 or not compact.isascii() or not compact.isdigit():
        raise InvalidVatNumber(WRONG_FORMAT_MESSAGE)
    if compact[:7] == "0000000" or int(compact[7:10]) not in VALID_OFFICE_CODES:
        raise InvalidVatNumber(INVALID_MESSAGE)
    if _luhn_sum(compact) % 10 != 0:
        raise InvalidVatNumber(INVALID_MESSAGE)
    return compact


def is_valid(value: str) -> bool:
    try:
        normalise(value)
    except InvalidVatNumber:
        return False
    return True
