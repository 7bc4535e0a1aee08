"""The OpenAPI 3 document, assembled from what each area module declares."""

from booking.api import area_modules, bp

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
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
]


def build_document() -> dict:
    paths: dict = {}
    schemas: dict = {"Problem": PROBLEM_SCHEMA, "Violation": VIOLATION_SCHEMA}
    for module in area_modules():
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
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
                "BadRequest": _problem("Malformed JSON"),
                "Unauthorized": _problem("No token, or an unknown, expired or revoked one"),
                "Forbidden": _problem("Authenticated but not allowed"),
                "NotFound": _problem("Unknown, or invisible to this user"),
                "Conflict": _problem("A booking rule refuses the request; lists every violation"),
                "InvalidInput": _problem("Well-formed but invalid fields, listed in `errors`"),
                "ServiceUnavailable": _problem(
                    "Someone else is booking the same resource right now; nothing was written. "
                    "Retry after the seconds in Retry-After."
                )
                | {"headers": {"Retry-After": {"schema": {"type": "integer"}}}},
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    return build_document()
