"""Reading JSON bodies and query strings: 400 for malformed JSON, 422 listing every invalid field.

Text that no database can store (NUL characters, unpaired surrogates) is refused here, once for
every body and every query string, before any handler or service sees it.
"""

import re
from datetime import date, datetime
from typing import Any

from flask import request

from booking.api.problems import ApiProblem
from booking.services.catalogue import FIRST_YEAR, LAST_YEAR, MAX_ID, text_problem, valid_id
from booking.services.errors import InvalidInput

_MISSING = object()
UNKNOWN_FIELD = "is not a field of this request"
_INTEGER = re.compile(r"-?[0-9]+")


def json_object() -> dict[str, Any]:
    """The request body as a JSON object whose every text can be stored."""
    if not request.data:
        raise ApiProblem(400, "Bad Request", "A JSON object is required as the request body.")
    try:
        payload = request.get_json(force=True, silent=True)
    except RecursionError:
        raise ApiProblem(400, "Bad Request", "The request body is nested too deeply.") from None
    if payload is None:
        raise ApiProblem(400, "Bad Request", "The request body is not valid JSON.")
    if not isinstance(payload, dict):
        raise InvalidInput({"body": "must be a JSON object"})
    errors = _unstorable_texts(payload)
    if errors:
        raise InvalidInput(errors)
    return payload


def optional_json_object() -> dict[str, Any]:
    """The body of a request whose body may be left out: {} when there is none."""
    return json_object() if request.data else {}


def _unstorable_texts(payload: dict[str, Any]) -> dict[str, str]:
    """Every field holding a text (or a key) that cannot be stored, named like the other errors:
    `recurrence.rrule` inside an object, the list's own name for the items of a list.

    A loop rather than recursion: a body nested nearly as deep as the parser allows must not
    exhaust the stack here."""
    errors: dict[str, str] = {}
    pending: list[tuple[str, Any]] = [("", payload)]
    while pending:
        name, value = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                errors.setdefault(name, problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{name}.{key}" if name else key
                problem = text_problem(key)
                if problem is not None:
                    errors.setdefault(inner, problem)
                else:
                    pending.append((inner, item))
        elif isinstance(value, list):
            pending.extend((name, item) for item in value)
    return errors


def refuse_unstorable_arguments() -> None:
    """422 naming each query argument whose name or value cannot be stored (a NUL, `%00`)."""
    errors = {}
    for name, value in request.args.items(multi=True):
        problem = text_problem(name) or text_problem(value)
        if problem is not None:
            errors[name] = problem
    if errors:
        raise InvalidInput(errors)


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
        # The names that the handler asked about: any other field of the input is unknown.
        self._known: set[str] = set()

    def present(self, name: str) -> bool:
        self._known.add(name)
        return name in self.data

    def value(self, name: str) -> Any:
        """The value as sent (None when absent), for a field that the caller checks itself."""
        self._known.add(name)
        return self.data.get(name)

    def _get(self, name: str, required: bool) -> Any:
        self._known.add(name)
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

    def id(self, name: str, *, required: bool = False) -> int | None:
        """An id: 1 to MAX_ID, the ids that the database can hold."""
        return self.integer(name, required=required, minimum=1, maximum=MAX_ID)

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
        if not all(valid_id(v) for v in value):
            self.errors[name] = f"must be a list of ids from 1 to {MAX_ID}"
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

    def check_unknown(self) -> None:
        """Record every field of the input that was not asked about: a misspelt field must be
        refused, not ignored (`resource_ids` for `resource_id` would book something else)."""
        for name in self.data:
            if name not in self._known:
                self.errors.setdefault(name, UNKNOWN_FIELD)

    def done(self) -> None:
        self.check_unknown()
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
    # ASCII digits only: int() also reads spaces, "+", "_" and other scripts' digits.
    if not _INTEGER.fullmatch(raw):
        raise InvalidInput({name: "must be an integer"})
    try:
        value = int(raw)
    except ValueError:  # more digits than Python converts
        raise InvalidInput({name: "must be an integer"}) from None
    if minimum is not None and value < minimum:
        raise InvalidInput({name: f"must be at least {minimum}"})
    if maximum is not None and value > maximum:
        raise InvalidInput({name: f"must be at most {maximum}"})
    return value


def query_id(name: str) -> int | None:
    """An id from the query string (1 to MAX_ID), or None when absent."""
    return query_int(name, minimum=1, maximum=MAX_ID)


def query_flag(name: str) -> bool:
    """A true/false query argument (true, false, 1, 0; absent is false)."""
    value = request.args.get(name, "").strip().lower()
    if value not in ("", "true", "false", "1", "0"):
        raise InvalidInput({name: "must be true or false"})
    return value in ("true", "1")
