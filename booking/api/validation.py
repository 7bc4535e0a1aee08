"""Reading JSON bodies and query strings: 400 for malformed JSON, 422 listing every invalid field."""

from datetime import date, datetime
from typing import Any

from flask import request

from booking.api.problems import ApiProblem
from booking.services.catalogue import FIRST_YEAR, LAST_YEAR
from booking.services.errors import InvalidInput

_MISSING = object()
# Far enough for any booking; keeps date arithmetic (buffers, horizons) clear of datetime's limits.


def json_object() -> dict[str, Any]:
    """The request body as a JSON object."""
    if not request.data:
        raise ApiProblem(400, "Bad Request", "A JSON object is required as the request body.")
    payload = request.get_json(force=True, silent=True)
    if payload is None:
        raise ApiProblem(400, "Bad Request", "The request body is not valid JSON.")
    if not isinstance(payload, dict):
        raise InvalidInput({"body": "must be a JSON object"})
    return payload


def parse_instant(value: Any) -> datetime:
    """An ISO 8601 timestamp with an offset (`Z` or `+01:00`); naive timestamps are refused."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp with an offset")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("must be an ISO 8601 timestamp with an offset") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("needs an explicit offset such as 'Z' or '+01:00'")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueError(f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}")
    return parsed


class Fields:
    """Collects the fields of one input object and every error found in them.

    Each getter returns the parsed value (or None when absent or invalid) and records an error
    instead of raising, so that one answer lists all invalid fields; `done()` raises
    InvalidInput if any were found.
    """

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def present(self, name: str) -> bool:
        return name in self.data

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING or (value is None and required):
            if required:
                self.errors[name] = "is required"
            return _MISSING
        return value

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        max_length: int = 200,
        allow_empty: bool = False,
        nullable: bool = False,
    ) -> str | None:
        value = self._get(name, required)
        if value is _MISSING or (value is None and nullable):
            return None
        if not isinstance(value, str):
            self.errors[name] = "must be a string"
            return None
        value = value.strip()
        if not value and not allow_empty:
            self.errors[name] = "must not be empty"
            return None
        if len(value) > max_length:
            self.errors[name] = f"must be at most {max_length} characters"
            return None
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
        nullable: bool = False,
    ) -> int | None:
        value = self._get(name, required)
        if value is _MISSING or (value is None and nullable):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = "must be an integer"
            return None
        if minimum is not None and value < minimum:
            self.errors[name] = f"must be at least {minimum}"
            return None
        if maximum is not None and value > maximum:
            self.errors[name] = f"must be at most {maximum}"
            return None
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.errors[name] = "must be true or false"
            return None
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if value not in choices:
            self.errors[name] = "must be one of " + ", ".join(choices)
            return None
        return value

    def id_list(self, name: str, *, required: bool = False) -> list[int] | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) for v in value
        ):
            self.errors[name] = "must be a list of integer ids"
            return None
        return list(dict.fromkeys(value))

    def instant(self, name: str, *, required: bool = False) -> datetime | None:
        value = self._get(name, required)
        if value is _MISSING:
            return None
        try:
            return parse_instant(value)
        except ValueError as error:
            self.errors[name] = str(error)
            return None

    def day(self, name: str, *, required: bool = False, nullable: bool = False) -> date | None:
        value = self._get(name, required)
        if value is _MISSING or (value is None and nullable):
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.errors[name] = "must be a date (YYYY-MM-DD)"
            return None

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def query_instant(name: str, *, required: bool = True) -> datetime | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise InvalidInput({name: "is required"})
        return None
    try:
        return parse_instant(raw)
    except ValueError as error:
        raise InvalidInput({name: str(error)}) from None


def query_int(
    name: str, *, default: int | None = None, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput({name: "must be an integer"}) from None
    if minimum is not None and value < minimum:
        raise InvalidInput({name: f"must be at least {minimum}"})
    if maximum is not None and value > maximum:
        raise InvalidInput({name: f"must be at most {maximum}"})
    return value


def query_flag(name: str) -> bool:
    """A true/false query argument (true, false, 1, 0; absent is false)."""
    value = request.args.get(name, "").strip().lower()
    if value not in ("", "true", "false", "1", "0"):
        raise InvalidInput({name: "must be true or false"})
    return value in ("true", "1")
