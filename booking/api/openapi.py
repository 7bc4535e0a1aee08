"""The OpenAPI 3 document, assembled from what each area module declares.

It states the limits that the server enforces (ids, years, pages, lengths, no unknown fields),
so that a client generated from it never sends what the server refuses.
"""

from flask import current_app

from booking.api import area_modules, bp
from booking.services.catalogue import FIRST_YEAR, LAST_YEAR, MAX_ID, MAX_PAGE

# What the server takes as an id: PostgreSQL's integer, from 1.
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
ID_LIST = {"type": "array", "items": ID}
ID_PARAMETER = {"name": "id", "in": "path", "required": True, "schema": ID}
# An instant the server takes: with an offset, in the years the platform books.
INSTANT = {
    "type": "string",
    "format": "date-time",
    "pattern": "^(19[0-9]{2}|2[0-9]{3})-",
    "description": f"ISO 8601 with an offset, in the years {FIRST_YEAR} to {LAST_YEAR}",
}
# Text cannot hold NUL characters (the database refuses them).
NO_NUL = "^[^\\u0000]*$"
_NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
# Words or names to search for in a query string.
SEARCH_TEXT = {"type": "string", "pattern": NO_NUL}


def text(max_length: int, *, blank: bool = False, **more) -> dict:
    """A text field as the server reads it: at most `max_length` characters, no NUL, and unless
    `blank` something besides white space (the server strips it)."""
    pattern = NO_NUL if blank else _NOT_BLANK
    return {"type": "string", "maxLength": max_length, "pattern": pattern, **more}


PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "violations": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"}},
    },
}
VIOLATION_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "start": {"type": "string", "format": "date-time", "nullable": True},
        "end": {"type": "string", "format": "date-time", "nullable": True},
        "booking_id": {"type": "integer", "nullable": True},
    },
}


def _problem(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


RESPONSE_NAMES = {
    "400": "BadRequest",
    "413": "PayloadTooLarge",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "409": "Conflict",
    "422": "InvalidInput",
    "503": "ServiceUnavailable",
}


def schema_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_body(name: str, *, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema_ref(name)}}}


def error_responses(*statuses: str) -> dict:
    """References to the shared error responses, by status code."""
    return {
        status: {"$ref": f"#/components/responses/{RESPONSE_NAMES[status]}"} for status in statuses
    }


def page_of(schema_ref: str) -> dict:
    """The schema of a paginated list of `schema_ref` items."""
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": schema_ref}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer", "maximum": 200},
        },
    }


PAGINATION_PARAMETERS = [
    {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
]


_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_TAKE_BODIES = ("put", "post", "patch")


def _with_common_answers(item: dict) -> dict:
    """A path item whose operations also list the answers that any of them may give: 503 when
    the database is unavailable, and for those that take a body (if only an optional one) 400,
    413 and 422 for a malformed, too large or invalid one."""
    common = {}
    for method, operation in item.items():
        if method not in _HTTP_METHODS:
            continue
        statuses = ("400", "413", "422", "503") if method in _TAKE_BODIES else ("503",)
        responses = error_responses(*statuses) | operation["responses"]
        common[method] = operation | {"responses": dict(sorted(responses.items()))}
    return item | common


def build_document() -> dict:
    paths: dict = {}
    schemas: dict = {"Problem": PROBLEM_SCHEMA, "Violation": VIOLATION_SCHEMA}
    for module in area_modules():
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    paths = {path: _with_common_answers(item) for path, item in paths.items()}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Research infrastructure booking API",
            "version": "1",
            "description": "Booking of shared instruments, pilot installations and joint labs "
            "across the Emilia-Romagna innovation network.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": {
                "BadRequest": _problem("Malformed JSON, or nested too deeply"),
                "PayloadTooLarge": _problem(
                    f"The body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes; "
                    "it was not read"
                ),
                "Unauthorized": _problem("No token, or an unknown, expired or revoked one"),
                "Forbidden": _problem("Authenticated but not allowed"),
                "NotFound": _problem("Unknown, or invisible to this user"),
                "Conflict": _problem("A booking rule refuses the request; lists every violation"),
                "InvalidInput": _problem(
                    "Well-formed but invalid fields, listed in `errors`: also unknown fields, "
                    "and text with NUL characters or unpaired surrogates"
                ),
                "ServiceUnavailable": _problem(
                    "Someone else is booking the same resource right now (nothing was written), "
                    "or the database is unavailable or busy. Retry after the seconds in "
                    "Retry-After."
                )
                | {"headers": {"Retry-After": {"schema": {"type": "integer"}}}},
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    return build_document()
