"""One booking as an iCalendar event, the address of one's own calendar feed, and the secret of
one's resource feed links."""

from booking.api import bp
from booking.api.auth import api_user, token_required
from booking.api.openapi import ID_PARAMETER
from booking.api.validation import Fields, optional_json_object
from booking.services import calendar
from booking.web.feeds import booking_calendar_file


@bp.get("/bookings/<id:booking_id>.ics")
@token_required
def booking_ics(booking_id: int):
    return booking_calendar_file(api_user(), booking_id)


@bp.post("/me/calendar-token")
@token_required
def replace_calendar_token():
    Fields(optional_json_object()).done()
    user = api_user()
    calendar.replace_calendar_token(user)
    url = calendar.personal_feed_url(user)
    return {"calendar_url": url, "webcal_url": calendar.webcal(url)}, 201


@bp.post("/me/resource-feed-token")
@token_required
def replace_resource_feed_token():
    return {"resource_feed_token": calendar.replace_resource_feed_token(api_user())}, 201


_ICS = {"text/calendar": {"schema": {"type": "string"}}}

OPENAPI_PATHS: dict = {
    "/bookings/{id}.ics": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "One booking as an iCalendar file (one VEVENT)",
            "description": "For the booking's requester and the resource's managers; 404 for "
            "anyone else. Times are in UTC. Answers 304 to If-None-Match with the ETag it gave.",
            "tags": ["bookings", "calendar"],
            "responses": {
                "200": {"description": "The booking as text/calendar", "content": _ICS},
                "304": {"description": "Unchanged since the ETag or date the client sent"},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "404": {"$ref": "#/components/responses/NotFound"},
            },
        },
    },
    "/me/calendar-token": {
        "post": {
            "summary": "Make a new secret address for your personal calendar feed",
            "description": "The previous address, if any, stops working at once (404). The "
            "current address is also `calendar_url` in GET /me. It opens only the personal "
            "feed; resource feeds take another secret (POST /me/resource-feed-token), which "
            "this does not change.",
            "tags": ["calendar"],
            "responses": {
                "201": {
                    "description": "The new address",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/CalendarFeed"}
                        }
                    },
                },
                "401": {"$ref": "#/components/responses/Unauthorized"},
            },
        },
    },
    "/me/resource-feed-token": {
        "post": {
            "summary": "Make a new secret for your resource feed links",
            "description": "Resource feeds are /calendar/resources/{id}.ics?token=<secret>: any "
            "resource you may see, other organisations' bookings only as busy. The previous "
            "secret, if any, stops working at once (404); the personal feed (`calendar_url`) "
            "is not changed, and its secret opens no resource feed. The current secret is also "
            "`resource_feed_token` in GET /me.",
            "tags": ["calendar"],
            "responses": {
                "201": {
                    "description": "The new secret",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ResourceFeedSecret"}
                        }
                    },
                },
                "401": {"$ref": "#/components/responses/Unauthorized"},
            },
        },
    },
}
OPENAPI_SCHEMAS: dict = {
    "CalendarFeed": {
        "type": "object",
        "properties": {
            "calendar_url": {"type": "string", "format": "uri"},
            "webcal_url": {"type": "string", "description": "The same address as webcal://"},
        },
    },
    "ResourceFeedSecret": {
        "type": "object",
        "properties": {
            "resource_feed_token": {
                "type": "string",
                "description": "For /calendar/resources/{id}.ics?token=<it>",
            },
        },
    },
}
