import pytest

from booking.services import vat


def test_the_reference_number_is_valid():
    assert vat.normalise("00743110157") == "00743110157"


def test_a_wrong_check_digit_is_invalid():
    assert not vat.is_valid("00743110158")


@pytest.mark.parametrize("written", ["IT00743110157", "it 00743110157", " 007 431 101 57 "])
def test_the_it_prefix_and_spaces_are_dropped(written):
    assert vat.normalise(written) == "00743110157"


@pytest.mark.parametrize("wrong", ["0074311015", "007431101570", "0074311015A", "IT", ""])
def test_anything_but_eleven_digits_is_invalid(wrong):
    with pytest.raises(vat.InvalidVatNumber):
        vat.normalise(wrong)


def test_non_ascii_digits_are_invalid():
    assert not vat.is_valid("٠٠٧٤٣١١٠١٥٧")


def test_an_all_zero_progressive_number_is_invalid():
    # Luhn-correct, office code 001, but digits 1-7 are all zero.
    assert not vat.is_valid("00000000018")


@pytest.mark.parametrize("office", ["101", "119", "122", "887", "998", "000"])
def test_an_office_code_outside_the_issued_ones_is_invalid(office):
    assert not vat.is_valid(_with_check_digit("1234567" + office))


@pytest.mark.parametrize("office", ["001", "100", "120", "121", "888", "999"])
def test_every_issued_office_code_is_valid(office):
    assert vat.is_valid(_with_check_digit("1234567" + office))


def _with_check_digit(first_ten: str) -> str:
    """The check digit computed as the domain note describes it, independently of vat.py."""
    odd = sum(int(d) for d in first_ten[0::2])
    even = sum(2 * int(d) - 9 if 2 * int(d) > 9 else 2 * int(d) for d in first_ten[1::2])
    return first_ten + str((10 - (odd + even) % 10) % 10)
