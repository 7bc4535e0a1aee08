"""Bookings and availability: thin handlers over services/booking.py and services/availability.py.

A refused booking is answered with every violation (409, or 422 when the only problem is the
interval itself); a lock timeout with 503 and Retry-After. Both mappings live here, on the API
blueprint, so that pages keep their own handling of the same errors.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from booking.api import bp
from booking.api.auth import api_user, token_required
from booking.api.openapi import (
    ID,
    ID_PARAMETER,
    INSTANT,
    PAGINATION_PARAMETERS,
    SEARCH_TEXT,
    error_responses,
    json_body,
    json_response,
    page_of,
    schema_ref,
    text,
)
from booking.api.pagination import page_number, page_size, paginated
from booking.api.problems import problem_response
from booking.api.schemas import instant, money
from booking.api.validation import (
    Fields,
    json_object,
    optional_json_object,
    query_flag,
    query_id,
    query_instant,
    query_int,
)
from booking.extensions import db
from booking.models import Booking, Resource, User
from booking.models.bookings import ON_CONFLICT, STATUSES
from booking.models.resources import KINDS
from booking.services import approvals, availability, catalogue, permissions
from booking.services import booking as booking_service
from booking.services.booking import (
    MAX_PURPOSE,
    MAX_REASON,
    MAX_TITLE,
    BookingChange,
    BookingInput,
)
from booking.services.catalogue import OUT_OF_CALENDAR, in_calendar
from booking.services.clock import now
from booking.services.errors import InvalidInput
from booking.services.pricing import CURRENCY
from booking.services.recurrence import parse_rrule
from booking.services.transaction import ResourceBusy
from booking.services.violations import BookingRefused, Violation

# Far above any capacity, and inside the database's integers.
MAX_QUANTITY = 100_000
MAX_RRULE = 500
# The longest search window, in minutes: no longer slot can fit in it.
MAX_DURATION_MINUTES = 31 * 24 * 60
PATCHABLE = ("start", "end", "quantity", "title", "purpose")


# --- Errors ------------------------------------------------------------------------------------


@bp.errorhandler(BookingRefused)
def _booking_refused(error: BookingRefused):
    status = 422 if error.is_invalid_input else 409
    return problem_response(
        status,
        "Booking refused",
        error.detail,
        violations=[violation_json(v) for v in error.violations],
    )


@bp.errorhandler(ResourceBusy)
def _resource_busy(error: ResourceBusy):
    response = problem_response(503, "Busy, try again", error.detail)
    response.headers["Retry-After"] = "1"
    return response


# --- JSON shapes -------------------------------------------------------------------------------


def _utc(value: datetime | None) -> str | None:
    # Intervals derived from a caller's window keep the caller's offset; print them in UTC.
    return instant(value.astimezone(UTC)) if value is not None else None


def violation_json(violation: Violation) -> dict:
    return {
        "code": violation.code,
        "message": violation.message,
        "start": _utc(violation.start),
        "end": _utc(violation.end),
        "booking_id": violation.booking_id,
    }


def booking_json(booking: Booking) -> dict:
    price = money(booking.price_estimate)
    return {
        "id": booking.id,
        "resource_id": booking.resource_id,
        "series_id": booking.series_id,
        "status": booking.status,
        "start": _utc(booking.start_at),
        "end": _utc(booking.end_at),
        "quantity": booking.quantity,
        "title": booking.title,
        "purpose": booking.purpose,
        # The organisation the requester booked for (prices and quotas follow it).
        "requester": {
            "id": booking.requester_id,
            "name": booking.requester.name,
            "organisation_id": booking.organisation_id,
        },
        "price_estimate": None if price is None else {"amount": price, "currency": CURRENCY},
        "rate_category": booking.rate_category,
        "decision_reason": booking.decision_reason,
        "created_at": _utc(booking.created_at),
        "updated_at": _utc(booking.updated_at),
    }


def _series_json(outcome: booking_service.BookingOutcome) -> dict:
    series = outcome.series
    # The commit expired every occurrence: read them back in one query, not one each.
    bookings = db.session.execute(
        select(Booking)
        .where(Booking.series_id == series.id)
        .order_by(Booking.start_at)
        .options(selectinload(Booking.requester))
    ).scalars()
    return {
        "series": {"id": series.id, "rrule": series.rrule, "on_conflict": series.on_conflict},
        "bookings": [booking_json(booking) for booking in bookings],
        "skipped": [
            {
                "start": _utc(skipped.start),
                "end": _utc(skipped.end),
                "violations": [violation_json(v) for v in skipped.violations],
            }
            for skipped in outcome.skipped
        ],
    }


def _interval_json(start: datetime, end: datetime) -> dict:
    return {"start": _utc(start), "end": _utc(end)}


def _entry_json(entry: dict) -> dict:
    return entry | {"start": _utc(entry["start"]), "end": _utc(entry["end"])}


def availability_json(result: availability.Availability) -> dict:
    return {
        "resource_id": result.resource.id,
        "timezone": result.resource.timezone,
        "busy": [_entry_json(entry) for entry in result.busy],
        "requested": [_entry_json(entry) for entry in result.requested],
        "closed": [_entry_json(entry) for entry in result.closed],
        "free": [_interval_json(start, end) for start, end in result.free],
    }


def _free_slots_json(found: availability.FreeSlots) -> dict:
    resource = found.resource
    return {
        "resource": {
            "id": resource.id,
            "name": resource.name,
            "kind": resource.kind,
            "organisation_id": resource.organisation_id,
            "city": resource.city,
            "timezone": resource.timezone,
        },
        "slots": [_interval_json(start, end) for start, end in found.slots],
    }


# --- Reading input -----------------------------------------------------------------------------


def _recurrence(fields: Fields) -> tuple[str | None, str]:
    """The RRULE and on_conflict of `recurrence`, errors recorded on `fields`."""
    value = fields.value("recurrence")
    if value is None:
        return None, "abort"
    if not isinstance(value, dict):
        fields.error("recurrence", "must be an object with rrule and on_conflict")
        return None, "abort"
    inner = Fields(value)
    rrule = inner.string("rrule", required=True, max_length=MAX_RRULE)
    on_conflict = inner.choice("on_conflict", ON_CONFLICT) or "abort"
    inner.check_unknown()
    for name, message in inner.errors.items():
        fields.error(f"recurrence.{name}", message)
    if rrule is not None:
        try:
            parse_rrule(rrule)
        except InvalidInput as error:
            for name, message in error.errors.items():
                fields.error(name, message)
    return rrule, on_conflict


def _instant(fields: Fields, name: str, *, required: bool = False) -> datetime | None:
    value = fields.instant(name, required=required)
    if value is not None and not in_calendar(value):
        fields.error(name, OUT_OF_CALENDAR)
        return None
    return value


def _booking_input(payload: dict[str, Any]) -> BookingInput:
    fields = Fields(payload)
    resource_id = fields.id("resource_id", required=True)
    start = _instant(fields, "start", required=True)
    end = _instant(fields, "end", required=True)
    title = fields.string("title", required=True, max_length=MAX_TITLE)
    purpose = fields.string("purpose", max_length=MAX_PURPOSE, allow_empty=True, nullable=True)
    quantity = fields.integer("quantity", minimum=1, maximum=MAX_QUANTITY, nullable=True)
    rrule, on_conflict = _recurrence(fields)
    fields.done()
    return BookingInput(
        resource_id=resource_id,
        start=start,
        end=end,
        title=title,
        purpose=purpose or "",
        quantity=quantity or 1,
        rrule=rrule,
        on_conflict=on_conflict,
    )


def _booking_change(payload: dict[str, Any]) -> BookingChange:
    fields = Fields(payload)
    for name in payload:
        if name not in PATCHABLE:
            fields.error(name, "cannot be changed; PATCH takes " + ", ".join(PATCHABLE))
    change = BookingChange(
        start=_instant(fields, "start"),
        end=_instant(fields, "end"),
        quantity=fields.integer("quantity", minimum=1, maximum=MAX_QUANTITY),
        title=fields.string("title", max_length=MAX_TITLE),
        purpose=fields.string("purpose", max_length=MAX_PURPOSE, allow_empty=True),
    )
    fields.done()
    return change


def _query_values(**readers: Callable[[], Any]) -> dict[str, Any]:
    """Every reader's value; one InvalidInput listing every parameter that failed."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, read in readers.items():
        try:
            values[name] = read()
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    return values


def _utc_instant(name: str, *, required: bool) -> datetime | None:
    value = query_instant(name, required=required)
    if value is None:
        return None
    if not in_calendar(value):
        raise InvalidInput({name: OUT_OF_CALENDAR})
    return value.astimezone(UTC)


def _required_int(name: str, **limits: int) -> int:
    value = query_int(name, **limits)
    if value is None:
        raise InvalidInput({name: "is required"})
    return value


def _choice(name: str, choices: tuple[str, ...]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in choices:
        raise InvalidInput({name: "must be one of " + ", ".join(choices)})
    return value


def _text(name: str) -> str | None:
    return request.args.get(name, "").strip() or None


# --- Queries -----------------------------------------------------------------------------------


def _bookings_query(user: User) -> Select:
    """The bookings `user` may list (their own, and those of the resources they manage) that
    match the query string, by start."""
    args = _query_values(
        resource_id=lambda: query_id("resource_id"),
        status=lambda: _choice("status", STATUSES),
        mine=lambda: query_flag("mine"),
        start=lambda: _utc_instant("from", required=False),
        end=lambda: _utc_instant("to", required=False),
    )
    if args["start"] and args["end"] and args["end"] <= args["start"]:
        raise InvalidInput({"to": "must be after from"})
    own = Booking.requester_id == user.id
    if args["mine"]:
        visible = own
    else:
        managed = select(Resource.id).where(permissions.manageable_resources_clause(user))
        visible = or_(own, Booking.resource_id.in_(managed))
    query = select(Booking).where(visible)
    if args["resource_id"] is not None:
        query = query.where(Booking.resource_id == args["resource_id"])
    if args["status"]:
        query = query.where(Booking.status == args["status"])
    if args["start"]:
        query = query.where(Booking.end_at > args["start"])
    if args["end"]:
        query = query.where(Booking.start_at < args["end"])
    return query.order_by(Booking.start_at, Booking.id).options(selectinload(Booking.requester))


def _catalogue_selection() -> Select:
    """`select(Resource)` with the catalogue's filters from the query string (visibility is
    applied by the availability service)."""
    return catalogue.matching_resources(
        q=_text("q"),
        kind=_choice("kind", KINDS),
        cluster=_text("cluster"),
        value_chain=_text("value_chain"),
        organisation=_text("organisation"),
        city=_text("city"),
    )


# --- Bookings ----------------------------------------------------------------------------------


@bp.post("/bookings")
@token_required
def create_booking():
    outcome = booking_service.create_bookings(api_user(), _booking_input(json_object()), now=now())
    if outcome.series is not None:
        return _series_json(outcome), 201
    booking = outcome.bookings[0]
    return booking_json(booking), 201, {"Location": url_for("api.get_booking", id=booking.id)}


@bp.get("/bookings")
@token_required
def list_bookings():
    return paginated(_bookings_query(api_user()), booking_json)


@bp.get("/bookings/<id:id>")
@token_required
def get_booking(id: int):
    return booking_json(booking_service.get_booking(api_user(), id))


@bp.patch("/bookings/<id:id>")
@token_required
def update_booking(id: int):
    change = _booking_change(json_object())
    return booking_json(booking_service.update_booking(api_user(), id, change, now=now()))


def _optional_reason() -> str:
    """The `reason` of an optional body {"reason"?}."""
    fields = Fields(optional_json_object())
    reason = fields.string("reason", max_length=MAX_REASON, allow_empty=True, nullable=True)
    fields.done()
    return reason or ""


@bp.post("/bookings/<id:id>/cancel")
@token_required
def cancel_booking(id: int):
    return booking_json(
        booking_service.cancel_booking(api_user(), id, now=now(), reason=_optional_reason())
    )


@bp.post("/bookings/<id:id>/approve")
@token_required
def approve_booking(id: int):
    return booking_json(approvals.approve(api_user(), id, now=now(), reason=_optional_reason()))


@bp.post("/bookings/<id:id>/reject")
@token_required
def reject_booking(id: int):
    return booking_json(approvals.reject(api_user(), id, now=now(), reason=_optional_reason()))


# --- Availability ------------------------------------------------------------------------------


@bp.get("/resources/<id:id>/availability")
@token_required
def resource_availability(id: int):
    window = _query_values(
        start=lambda: _utc_instant("start", required=True),
        end=lambda: _utc_instant("end", required=True),
    )
    result = availability.resource_availability(
        api_user(), id, window["start"], window["end"], now=now()
    )
    return availability_json(result)


@bp.get("/availability")
@token_required
def search_availability():
    args = _query_values(
        start=lambda: _utc_instant("start", required=True),
        end=lambda: _utc_instant("end", required=True),
        duration=lambda: _required_int("duration", minimum=1, maximum=MAX_DURATION_MINUTES),
        page=page_number,
        per_page=page_size,
        resources=_catalogue_selection,
    )
    found = availability.find_free_slots(
        api_user(),
        args["resources"],
        args["start"],
        args["end"],
        timedelta(minutes=args["duration"]),
        now=now(),
    )
    page, per_page = args["page"], args["per_page"]
    return {
        "items": [_free_slots_json(f) for f in found[(page - 1) * per_page : page * per_page]],
        "total": len(found),
        "page": page,
        "per_page": per_page,
    }


# --- OpenAPI -----------------------------------------------------------------------------------


def _query(name: str, schema: dict, description: str, *, required: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "schema": schema, "description": description}
    if required:
        parameter["required"] = True
    return parameter


_INSTANT = {"type": "string", "format": "date-time"}
_WINDOW = [
    _query("start", INSTANT, "Window start, ISO 8601 with an offset", required=True),
    _query("end", INSTANT, "Window end (excluded), with an offset", required=True),
]
_CATALOGUE_FILTERS = [
    _query("q", SEARCH_TEXT, "Words in the name, description, city, site or owner"),
    _query("kind", {"type": "string", "enum": list(KINDS)}, "Kind of resource"),
    _query("cluster", SEARCH_TEXT, "A Clust-ER's id or code"),
    _query("value_chain", SEARCH_TEXT, "A value chain's id or code"),
    _query("organisation", SEARCH_TEXT, "The owner organisation's id or slug"),
    _query("city", SEARCH_TEXT, "City, in any case"),
]
_REFUSALS = (
    "Every rule the booking breaks is listed in `violations` (409). A request whose only "
    "problem is its interval (end not after start) is answered 422 with the `invalid_interval` "
    "violation; invalid fields are answered 422 with `errors`."
)

OPENAPI_PATHS = {
    "/bookings": {
        "get": {
            "summary": "Bookings: your own, and those of the resources you manage, by start",
            "tags": ["bookings"],
            "parameters": [
                _query("resource_id", ID, "Only this resource's"),
                _query("status", {"type": "string", "enum": list(STATUSES)}, "Only this status"),
                _query("mine", {"type": "boolean"}, "Only your own bookings"),
                _query("from", INSTANT, "Only bookings ending after this instant"),
                _query("to", INSTANT, "Only bookings starting before this instant"),
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": json_response("A page of bookings", page_of("#/components/schemas/Booking")),
                **error_responses("401", "422"),
            },
        },
        "post": {
            "summary": "Book a resource, or request it, once or as a recurring series",
            "description": "Confirmed at once or pending, by the resource's approval policy. "
            "With `recurrence` the answer is a SeriesResult: `on_conflict: abort` refuses the "
            "whole series when any occurrence breaks a rule, `skip` books the others and lists "
            "the skipped ones. " + _REFUSALS,
            "tags": ["bookings"],
            "requestBody": json_body("BookingCreate"),
            "responses": {
                "201": {
                    "description": "The booking, or the series with its occurrences",
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [schema_ref("Booking"), schema_ref("SeriesResult")]}
                        }
                    },
                },
                **error_responses("400", "401", "403", "404", "409", "422", "503"),
            },
        },
    },
    "/bookings/{id}": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "One booking (its requester and the resource's managers)",
            "tags": ["bookings"],
            "responses": {
                "200": json_response("The booking", schema_ref("Booking")),
                **error_responses("401", "404"),
            },
        },
        "patch": {
            "summary": "Move or edit a pending or confirmed booking",
            "description": "Only the fields sent change. New times or quantity re-check every "
            "rule; a moved booking may go back to pending under the approval policy. " + _REFUSALS,
            "tags": ["bookings"],
            "requestBody": json_body("BookingPatch"),
            "responses": {
                "200": json_response("The booking", schema_ref("Booking")),
                **error_responses("400", "401", "404", "409", "422", "503"),
            },
        },
    },
    "/bookings/{id}/cancel": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Cancel a pending or confirmed booking that has not ended",
            "description": "By its requester or the resource's managers; 409 when it is no "
            "longer live or has ended.",
            "tags": ["bookings"],
            "requestBody": json_body("Cancellation", required=False),
            "responses": {
                "200": json_response("The cancelled booking", schema_ref("Booking")),
                **error_responses("400", "401", "404", "409", "422"),
            },
        },
    },
    "/bookings/{id}/approve": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Approve a pending request (the resource's managers)",
            "description": "Re-checks every rule except lead time and horizon at this moment: "
            "409 with `violations` when one refuses it. Approving rejects the other pending "
            "requests that no longer fit, with the reason `slot_taken`. 403 for the requester, "
            "404 for users who may not see the request, 409 when it is no longer pending.",
            "tags": ["approvals"],
            "requestBody": json_body("Decision", required=False),
            "responses": {
                "200": json_response("The confirmed booking", schema_ref("Booking")),
                **error_responses("400", "401", "403", "404", "409", "422", "503"),
            },
        },
    },
    "/bookings/{id}/reject": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Reject a pending request, with a reason for the requester",
            "description": "By the resource's managers; the reason is optional but tells the "
            "requester why. 403 for the requester, 404 for users who may not see the request, "
            "409 when it is no longer pending.",
            "tags": ["approvals"],
            "requestBody": json_body("Decision", required=False),
            "responses": {
                "200": json_response("The rejected booking", schema_ref("Booking")),
                **error_responses("400", "401", "403", "404", "409", "422"),
            },
        },
    },
    "/resources/{id}/availability": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "Busy, requested, closed and free intervals of a resource",
            "description": "The window spans at most 62 days. Other organisations' bookings "
            "show only as busy: their `booking_id` and `title` are null. The public holidays of "
            "the resource's municipality are closed for their whole local day, with their name "
            "as `detail`, unless its managers opened it on the day.",
            "tags": ["availability"],
            "parameters": _WINDOW,
            "responses": {
                "200": json_response(
                    "The resource's calendar in the window", schema_ref("Availability")
                ),
                **error_responses("401", "404", "422"),
            },
        },
    },
    "/availability": {
        "get": {
            "summary": "Resources with a free slot of a given duration in a window",
            "description": "Among the resources you may see that match the catalogue filters, "
            "those with room for `duration` minutes in the window (at most 31 days), each "
            "with its first free slots on its slot grid, earliest first.",
            "tags": ["availability"],
            "parameters": [
                *_WINDOW,
                _query(
                    "duration",
                    {"type": "integer", "minimum": 1, "maximum": MAX_DURATION_MINUTES},
                    "Length of the slot sought, in minutes",
                    required=True,
                ),
                *_CATALOGUE_FILTERS,
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": json_response(
                    "A page of resources with slots", page_of("#/components/schemas/FreeSlots")
                ),
                **error_responses("401", "422"),
            },
        },
    },
}

_INTERVAL = {
    "type": "object",
    "properties": {"start": _INSTANT, "end": _INSTANT},
}
_OCCUPIED = {
    "type": "object",
    "properties": {
        "start": _INSTANT,
        "end": _INSTANT,
        "quantity": {"type": "integer"},
        "booking_id": {"type": "integer", "nullable": True},
        "title": {"type": "string", "nullable": True},
    },
}
_RECURRENCE = {
    "type": "object",
    "required": ["rrule"],
    "additionalProperties": False,
    "properties": {
        "rrule": {
            **text(MAX_RRULE),
            "example": "FREQ=WEEKLY;COUNT=8",
            "description": "RFC 5545 RRULE: FREQ DAILY or WEEKLY, with INTERVAL, BYDAY, COUNT "
            "or UNTIL; expanded in the resource's local time; at most 366 occurrences",
        },
        "on_conflict": {"type": "string", "enum": list(ON_CONFLICT), "default": "abort"},
    },
}
_BOOKING_WRITE = {
    "start": {**INSTANT, "example": "2026-12-02T09:00:00+01:00"},
    "end": {**INSTANT, "example": "2026-12-02T10:00:00+01:00"},
    "title": text(MAX_TITLE),
    "purpose": text(MAX_PURPOSE, blank=True, default=""),
    "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY, "default": 1},
}

OPENAPI_SCHEMAS = {
    "Booking": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "resource_id": {"type": "integer"},
            "series_id": {"type": "integer", "nullable": True},
            "status": {"type": "string", "enum": list(STATUSES)},
            "start": _INSTANT,
            "end": _INSTANT,
            "quantity": {"type": "integer"},
            "title": {"type": "string"},
            "purpose": {"type": "string"},
            "requester": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "organisation_id": {
                        "type": "integer",
                        "description": "The organisation the requester booked for",
                    },
                },
            },
            "price_estimate": {
                "type": "object",
                "nullable": True,
                "description": "Null where the requester's rate category books for free",
                "properties": {
                    "amount": {"type": "number"},
                    "currency": {"type": "string", "enum": [CURRENCY]},
                },
            },
            "rate_category": {"type": "string", "nullable": True},
            "decision_reason": {"type": "string"},
            "created_at": _INSTANT,
            "updated_at": _INSTANT,
        },
    },
    "BookingCreate": {
        "type": "object",
        "required": ["resource_id", "start", "end", "title"],
        "additionalProperties": False,
        "properties": {
            "resource_id": ID,
            **_BOOKING_WRITE,
            # Unlike a PATCH, a booking may say null for these: it means the default.
            "purpose": {**_BOOKING_WRITE["purpose"], "nullable": True},
            "quantity": {**_BOOKING_WRITE["quantity"], "nullable": True},
            "recurrence": {**_RECURRENCE, "nullable": True},
        },
    },
    "BookingPatch": {"type": "object", "additionalProperties": False, "properties": _BOOKING_WRITE},
    "Cancellation": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"reason": text(MAX_REASON, blank=True, nullable=True)},
    },
    "Decision": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "reason": text(
                MAX_REASON,
                blank=True,
                nullable=True,
                description="Shown to the requester as the booking's decision_reason",
            )
        },
    },
    "SeriesResult": {
        "type": "object",
        "properties": {
            "series": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "rrule": {"type": "string"},
                    "on_conflict": {"type": "string", "enum": list(ON_CONFLICT)},
                },
            },
            "bookings": {"type": "array", "items": schema_ref("Booking")},
            "skipped": {
                "type": "array",
                "description": "Occurrences left out (on_conflict skip), with why",
                "items": {
                    "type": "object",
                    "properties": {
                        "start": _INSTANT,
                        "end": _INSTANT,
                        "violations": {"type": "array", "items": schema_ref("Violation")},
                    },
                },
            },
        },
    },
    "Availability": {
        "type": "object",
        "properties": {
            "resource_id": {"type": "integer"},
            "timezone": {"type": "string", "example": "Europe/Rome"},
            "busy": {"type": "array", "items": _OCCUPIED, "description": "Confirmed bookings"},
            "requested": {"type": "array", "items": _OCCUPIED, "description": "Pending requests"},
            "closed": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "start": _INSTANT,
                        "end": _INSTANT,
                        "reason": {
                            "type": "string",
                            "enum": [
                                "closed",
                                "blackout",
                                "parent_booked",
                                "child_booked",
                                "lead_time",
                                "horizon",
                            ],
                        },
                        "detail": {
                            "type": "string",
                            "description": "A blackout's reason; for `closed`, the name of the "
                            "public holiday that closes the resource that day (in the language "
                            "of the request), absent for closed opening hours",
                        },
                    },
                },
            },
            "free": {"type": "array", "items": _INTERVAL, "description": "Bookable now"},
        },
    },
    "FreeSlots": {
        "type": "object",
        "properties": {
            "resource": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "organisation_id": {"type": "integer"},
                    "city": {"type": "string"},
                    "timezone": {"type": "string"},
                },
            },
            "slots": {"type": "array", "items": _INTERVAL},
        },
    },
}
