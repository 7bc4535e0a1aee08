"""The `<id:...>` URL converter, registered once for every route of the pages and the API."""

from werkzeug.routing import IntegerConverter

from booking.services.catalogue import MAX_ID


def numbers_up_to(maximum: int) -> str:
    """A regular expression matching the decimal numbers from 1 to `maximum`, written as ASCII
    digits without leading zeros."""
    digits = str(maximum)
    shorter = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    # As long as `maximum`: its first i digits, then a smaller digit, then any digits.
    as_long = [
        f"{digits[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}"
        for i, digit in enumerate(digits)
        if int(digit) > (low := 1 if i == 0 else 0)
    ]
    return "(?:" + "|".join([*shorter, *as_long, digits]) + ")"


class IdConverter(IntegerConverter):
    """An id in a path: 1 to MAX_ID in ASCII digits. Anything else matches no route and is
    answered 404 before any view runs: no row can have such an id, and PostgreSQL refuses to
    compare its integer columns with a larger number.

    The limit is in the regular expression, not in `to_python`: werkzeug answers a value that a
    converter refuses after matching with 405 when another method's route has the same path."""

    regex = numbers_up_to(MAX_ID)
