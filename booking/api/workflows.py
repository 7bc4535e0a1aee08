"""Cross-organisation workflows: a booking's audit history, monthly quotas and statements."""

from datetime import datetime

from flask import request

from booking.api import bp
from booking.api.auth import api_user, token_required
from booking.api.openapi import (
    ID,
    ID_PARAMETER,
    PAGINATION_PARAMETERS,
    error_responses,
    json_response,
    page_of,
)
from booking.api.pagination import paginated
from booking.api.schemas import instant
from booking.api.validation import query_int
from booking.models import BookingAudit
from booking.models.bookings import AUDIT_ACTIONS
from booking.services import audit, catalogue, quotas, statements
from booking.services import booking as booking_service
from booking.services.clock import now
from booking.services.errors import InvalidInput, NotFound
from booking.web.approvals import statement_download

# Snapshot fields that hold instants: printed in UTC with Z, as every instant of the API.
_INSTANT_FIELDS = ("start", "end")


def _snapshot_json(snapshot: dict | None) -> dict | None:
    if snapshot is None:
        return None
    return {
        name: instant(datetime.fromisoformat(value))
        if name in _INSTANT_FIELDS and isinstance(value, str)
        else value
        for name, value in snapshot.items()
    }


def audit_entry_json(entry: BookingAudit) -> dict:
    return {
        "id": entry.id,
        "booking_id": entry.booking_id,
        "action": entry.action,
        "actor": None if entry.actor is None else {"id": entry.actor.id, "name": entry.actor.name},
        "at": instant(entry.at),
        "before": _snapshot_json(entry.before),
        "after": _snapshot_json(entry.after),
        "reason": entry.reason,
    }


@bp.get("/audit")
@token_required
def audit_history():
    booking_id = query_int("booking_id", minimum=1)
    if booking_id is None:
        raise InvalidInput({"booking_id": "is required"})
    # Looked up like a booking of a path: an id that no row can have names no booking.
    if not catalogue.valid_id(booking_id):
        raise NotFound("No such booking.")
    booking = booking_service.get_booking(api_user(), booking_id)
    return paginated(audit.history_query(api_user(), booking), audit_entry_json)


@bp.get("/resources/<id:id>/quota")
@token_required
def resource_quota(id: int):
    user = api_user()
    resource = catalogue.get_resource(user, id)
    status = quotas.quota_status(user, resource, now())
    if status is None:
        return {"applies": False}
    return {
        "applies": True,
        "quota_hours": status.quota_hours,
        "used_hours": status.used_hours,
        "remaining_hours": status.remaining_hours,
        "month": status.month,
    }


@bp.get("/statements/organisations/<id:id>")
@token_required
def organisation_statement(id: int):
    month = statements.parse_month(request.args.get("month"))
    return statement_download(statements.organisation_statement(api_user(), id, month))


@bp.get("/statements/resources/<id:id>")
@token_required
def resource_statement(id: int):
    month = statements.parse_month(request.args.get("month"))
    return statement_download(statements.resource_statement(api_user(), id, month))


# --- OpenAPI -----------------------------------------------------------------------------------

_INSTANT = {"type": "string", "format": "date-time"}
_MONTH = {
    "name": "month",
    "in": "query",
    "required": True,
    "schema": {
        "type": "string",
        "pattern": "^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])$",
        "example": "2026-12",
    },
    "description": "The calendar month, YYYY-MM; a booking belongs to the month in which it "
    "starts in its resource's local time",
}
_CSV = {
    "description": "The statement as CSV (UTF-8): a header row, one row per confirmed booking, "
    "then a `total` row; hours and euros with two decimals and a decimal point",
    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": ",".join(statements.HEADER) + "\r\n",
        }
    },
}


_SNAPSHOT = {
    "type": "object",
    "nullable": True,
    "description": "The booking's fields at that point",
    "properties": {
        "status": {"type": "string"},
        "start": _INSTANT,
        "end": _INSTANT,
        "quantity": {"type": "integer"},
        "title": {"type": "string"},
        "purpose": {"type": "string"},
    },
}

OPENAPI_PATHS = {
    "/audit": {
        "get": {
            "summary": "A booking's history, oldest first",
            "description": "Every change (created, edited, moved, approved, rejected, withdrawn, "
            "cancelled, expired, slot_taken) with its actor (null for the system), time, the "
            "booking before and after, and the reason. For the booking's requester, the "
            "resource's managers and admins; 404 for anyone else.",
            "tags": ["audit"],
            "parameters": [
                {
                    "name": "booking_id",
                    "in": "query",
                    "required": True,
                    "schema": ID,
                },
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": json_response(
                    "A page of history entries", page_of("#/components/schemas/AuditEntry")
                ),
                **error_responses("401", "404", "422"),
            },
        },
    },
    "/resources/{id}/quota": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "Your organisation's use of the resource's monthly quota",
            "description": "`applies` is false when the resource has no quota or your "
            "organisation owns or co-owns it. Otherwise the hours of your organisation's "
            "pending and confirmed bookings in the current calendar month (the resource's "
            "local time) and what remains.",
            "tags": ["quotas"],
            "responses": {
                "200": json_response(
                    "The quota this month", {"$ref": "#/components/schemas/QuotaStatus"}
                ),
                **error_responses("401", "404"),
            },
        },
    },
    "/statements/organisations/{id}": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "An organisation's monthly statement (CSV)",
            "description": "The confirmed bookings its people made on any resource in the month, "
            "with their price estimates. For the organisation's admins and network admins.",
            "tags": ["statements"],
            "parameters": [_MONTH],
            "responses": {"200": _CSV, **error_responses("401", "403", "404", "422")},
        },
    },
    "/statements/resources/{id}": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "A resource's monthly statement (CSV)",
            "description": "The confirmed bookings of every organisation on the resource in the "
            "month, with their price estimates. For the resource's managers, its organisation's "
            "admins and network admins; 404 when you may not see the resource.",
            "tags": ["statements"],
            "parameters": [_MONTH],
            "responses": {"200": _CSV, **error_responses("401", "403", "404", "422")},
        },
    },
}

OPENAPI_SCHEMAS = {
    "AuditEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "booking_id": {"type": "integer"},
            "action": {"type": "string", "enum": list(AUDIT_ACTIONS)},
            "actor": {
                "type": "object",
                "nullable": True,
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "at": _INSTANT,
            "before": _SNAPSHOT,
            "after": _SNAPSHOT,
            "reason": {"type": "string"},
        },
    },
    "QuotaStatus": {
        "type": "object",
        "required": ["applies"],
        "properties": {
            "applies": {"type": "boolean"},
            "quota_hours": {"type": "integer"},
            "used_hours": {"type": "number"},
            "remaining_hours": {"type": "number"},
            "month": {"type": "string", "example": "2026-12"},
        },
    },
}
