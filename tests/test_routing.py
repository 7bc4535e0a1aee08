"""The `<id:...>` converter's regular expression matches exactly the ids 1 to MAX_ID."""

import re

import pytest

from booking.routing import IdConverter, numbers_up_to
from booking.services.catalogue import MAX_ID


@pytest.mark.parametrize("maximum", [1, 9, 10, 99, 100, 205, 1000, 4321])
def test_the_expression_matches_the_numbers_from_1_to_the_maximum(maximum):
    expression = re.compile(numbers_up_to(maximum))
    matched = [n for n in range(0, 3 * maximum + 20) if expression.fullmatch(str(n))]
    assert matched == list(range(1, maximum + 1))


@pytest.mark.parametrize(
    "written", ["1", "9", "10", "999999999", "1999999999", "2147483639", str(MAX_ID)]
)
def test_an_id_matches(written):
    assert re.fullmatch(IdConverter.regex, written)


@pytest.mark.parametrize(
    "written",
    ["0", "007", "-1", "+1", str(MAX_ID + 1), "2147483650", "9999999999", str(2**63), "²", "١"],
)
def test_anything_else_does_not(written):
    assert not re.fullmatch(IdConverter.regex, written)
