"""The history of an account, an organisation or a resource (a booking's is /audit)."""

from booking.api import bp
from booking.api.auth import api_user, token_required
from booking.api.openapi import (
    ID,
    PAGINATION_PARAMETERS,
    error_responses,
    json_response,
    page_of,
)
from booking.api.pagination import paginated
from booking.api.schemas import instant
from booking.api.validation import query_id
from booking.models import HistoryEntry
from booking.models.history import ENTITY_TYPES
from booking.services import history
from booking.services.catalogue import MAX_ID
from booking.services.errors import InvalidInput, NotFound

# The query argument that names each kind of history.
_ARGUMENTS = {f"{entity_type}_id": entity_type for entity_type in ENTITY_TYPES}


def history_entry_json(entry: HistoryEntry) -> dict:
    return {
        "id": entry.id,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "actor": None if entry.actor is None else {"id": entry.actor.id, "name": entry.actor.name},
        "at": instant(entry.at),
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }


@bp.get("/history")
@token_required
def change_history():
    given = {
        argument: value for argument in _ARGUMENTS if (value := query_id(argument)) is not None
    }
    if len(given) != 1:
        names = ", ".join(_ARGUMENTS)
        raise InvalidInput(dict.fromkeys(_ARGUMENTS, f"give exactly one of {names}"))
    ((argument, entity_id),) = given.items()
    entity_type = _ARGUMENTS[argument]
    if entity_id > MAX_ID:
        raise NotFound(f"No such {entity_type}.")
    return paginated(history.history_query(api_user(), entity_type, entity_id), history_entry_json)


# --- OpenAPI -----------------------------------------------------------------------------------

_ACTIONS = sorted({action for actions in history.ACTIONS.values() for action in actions})
_SNAPSHOT = {
    "type": "object",
    "nullable": True,
    "additionalProperties": True,
    "description": "The fields that the change touched, as they were before or after it: an "
    "account's email, name, organisation_id, roles and active (never a password); an "
    "organisation's or a resource's settings (a resource's with managers, co_owners, clusters "
    "and value_chains as ids and its rates in euros per hour as text, null where free). For "
    "the parts of a resource the action names: the weekly opening hours "
    '({"mon": [["08:00", "18:00"]], ...}), a blackout {"id", "start", "end", "reason"}, a '
    'holiday opening {"id", "day"}, a qualification {"id", "user_id", "expires_on"}, a training '
    'request {"request_id", "user_id"}. Null where there was nothing before (created, added) '
    "or after (removed).",
}

OPENAPI_PATHS = {
    "/history": {
        "get": {
            "summary": "The history of an account, an organisation or a resource, newest first",
            "description": "Give exactly one of `resource_id`, `user_id`, `organisation_id`. "
            "Every change with its actor (null for the system), time, the values before and "
            "after, and the reason; append-only. A resource's history (its settings, managers, "
            "rates, opening hours, blackouts, holiday openings, qualifications and training "
            "decisions) is for its managers, its organisation's admins and network admins; an "
            "account's for its owner, its organisation's admins and network admins; an "
            "organisation's for its admins and network admins. 404 when the thing is unknown "
            "or invisible to you, 403 when you see it but its history is not yours to read.",
            "tags": ["history"],
            "parameters": [
                *({"name": argument, "in": "query", "schema": ID} for argument in _ARGUMENTS),
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": json_response(
                    "A page of history entries", page_of("#/components/schemas/HistoryEntry")
                ),
                **error_responses("401", "403", "404", "422"),
            },
        },
    },
}

OPENAPI_SCHEMAS = {
    "HistoryEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "entity_type": {"type": "string", "enum": list(ENTITY_TYPES)},
            "entity_id": {"type": "integer"},
            "action": {"type": "string", "enum": _ACTIONS},
            "actor": {
                "type": "object",
                "nullable": True,
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "at": {"type": "string", "format": "date-time"},
            "before": _SNAPSHOT,
            "after": _SNAPSHOT,
            "reason": {"type": "string"},
        },
    },
}
