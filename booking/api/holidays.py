"""Public holidays at a resource, and the holidays its managers open it on: thin handlers over
services/holiday_openings.py."""

from booking.api import bp
from booking.api.auth import api_user, token_required
from booking.api.openapi import (
    ID_PARAMETER,
    PAGINATION_PARAMETERS,
    error_responses,
    json_body,
    json_response,
    page_of,
    schema_ref,
)
from booking.api.pagination import paginated
from booking.api.schemas import instant
from booking.api.validation import Fields, json_object, query_int
from booking.models import HolidayOpening, Resource
from booking.services import catalogue
from booking.services import holiday_openings as service
from booking.services.catalogue import FIRST_YEAR, LAST_YEAR
from booking.services.clock import now
from booking.services.holidays import holidays


def holiday_json(day: service.HolidayDay) -> dict:
    return {
        "date": day.holiday.day.isoformat(),
        "name": day.holiday.name,
        "start": instant(day.start),
        "end": instant(day.end),
        "open": day.is_open,
        "opening_id": day.opening.id if day.opening else None,
    }


def opening_json(opening: HolidayOpening, resource: Resource) -> dict:
    holiday = holidays(opening.day.year, resource.city).get(opening.day)
    return {
        "id": opening.id,
        "resource_id": opening.resource_id,
        "date": opening.day.isoformat(),
        # None once the day is no longer a holiday there (the resource's city was changed).
        "name": holiday.name if holiday else None,
        "created_at": instant(opening.created_at),
    }


@bp.get("/resources/<id:id>/holidays")
@token_required
def list_holidays(id: int):
    asked = query_int("year", minimum=FIRST_YEAR, maximum=LAST_YEAR)
    year, days = service.list_holidays(api_user(), id, asked, now=now())
    return {"year": year, "items": [holiday_json(day) for day in days]}


@bp.get("/resources/<id:id>/holiday-openings")
@token_required
def list_holiday_openings(id: int):
    resource, query = service.openings_query(api_user(), id)
    return paginated(query, lambda opening: opening_json(opening, resource))


@bp.post("/resources/<id:id>/holiday-openings")
@token_required
def open_on_holiday(id: int):
    body = json_object()
    # Authorise before validating, so that outsiders learn nothing from the answer.
    resource = catalogue.get_managed_resource(api_user(), id)
    fields = Fields(body)
    day = fields.day("date", required=True)
    fields.done()
    opening, created = service.open_on_holiday(api_user(), id, day, now=now())
    return opening_json(opening, resource), 201 if created else 200


@bp.delete("/holiday-openings/<id:id>")
@token_required
def close_on_holiday(id: int):
    service.close_on_holiday(api_user(), id, now=now())
    return "", 204


# --- OpenAPI -----------------------------------------------------------------------------------

_DATE = {"type": "string", "format": "date", "example": "2026-12-26"}

OPENAPI_PATHS = {
    "/resources/{id}/holidays": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "The public holidays of a year at the resource (who may see it)",
            "description": "National holidays and the patron saint's day of the resource's "
            "municipality, from the holiday calendar for any year. Each closes the resource for "
            "its whole local day unless its managers opened it (`open`). Names follow the "
            "language of the request.",
            "tags": ["catalogue", "holidays"],
            "parameters": [
                {
                    "name": "year",
                    "in": "query",
                    "description": "Defaults to the current year at the resource",
                    "schema": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
                }
            ],
            "responses": {
                "200": json_response(
                    "The year's holidays, in date order",
                    {
                        "type": "object",
                        "properties": {
                            "year": {"type": "integer"},
                            "items": {"type": "array", "items": schema_ref("Holiday")},
                        },
                    },
                ),
                **error_responses("401", "404", "422"),
            },
        },
    },
    "/resources/{id}/holiday-openings": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "The holidays the resource is opened on (managers)",
            "tags": ["catalogue", "holidays"],
            "parameters": PAGINATION_PARAMETERS,
            "responses": {
                "200": json_response(
                    "One page of openings, earliest first",
                    page_of("#/components/schemas/HolidayOpening"),
                ),
                **error_responses("401", "403", "404", "422"),
            },
        },
        "post": {
            "summary": "Open the resource on a public holiday (managers)",
            "description": "The date must be a public holiday where the resource is. Its "
            "opening hours still apply on that day. Opening a day again answers 200 with the "
            "existing opening.",
            "tags": ["catalogue", "holidays"],
            "requestBody": json_body("HolidayOpeningInput"),
            "responses": {
                "200": json_response("The existing opening", schema_ref("HolidayOpening")),
                "201": json_response("The new opening", schema_ref("HolidayOpening")),
                **error_responses("400", "401", "403", "404", "422"),
            },
        },
    },
    "/holiday-openings/{id}": {
        "parameters": [ID_PARAMETER],
        "delete": {
            "summary": "Close the resource again on that holiday (managers of the resource)",
            "description": "Bookings already made for the day stay.",
            "tags": ["catalogue", "holidays"],
            "responses": {
                "204": {"description": "Done"},
                **error_responses("401", "403", "404"),
            },
        },
    },
}

OPENAPI_SCHEMAS = {
    "Holiday": {
        "type": "object",
        "properties": {
            "date": _DATE,
            "name": {"type": "string", "example": "Christmas Day"},
            "start": {
                "type": "string",
                "format": "date-time",
                "description": "Local midnight at the resource, in UTC",
            },
            "end": {
                "type": "string",
                "format": "date-time",
                "description": "The next local midnight, in UTC (23 or 25 hours later on the "
                "days the clocks change)",
            },
            "open": {"type": "boolean", "description": "Whether the managers opened it"},
            "opening_id": {"type": "integer", "nullable": True},
        },
    },
    "HolidayOpening": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "resource_id": {"type": "integer"},
            "date": _DATE,
            "name": {
                "type": "string",
                "nullable": True,
                "description": "The holiday's name; null if the day is no longer a holiday where "
                "the resource is",
            },
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "HolidayOpeningInput": {
        "type": "object",
        "required": ["date"],
        "additionalProperties": False,
        "properties": {"date": {**_DATE, "description": "A public holiday at the resource"}},
    },
}
