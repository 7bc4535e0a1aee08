"""Pilot-plant trial requests and training requests: thin handlers over services/trials.py and
services/training.py.

Handlers that change a request authorise before they read the body, so that someone who may not
decide a request learns nothing from the answer about what its body should hold.
"""

from flask import url_for

from booking.api import bp
from booking.api.auth import api_user, token_required
from booking.api.catalogue import qualification_json
from booking.api.openapi import (
    ID,
    ID_PARAMETER,
    INSTANT,
    PAGINATION_PARAMETERS,
    error_responses,
    json_body,
    json_response,
    page_of,
    schema_ref,
    text,
)
from booking.api.pagination import paginated
from booking.api.schemas import instant
from booking.api.validation import Fields, json_object, optional_json_object, query_flag, query_id
from booking.models import TrainingRequest, TrialRequest
from booking.models.requests import TRAINING_STATUSES, TRIAL_STATUSES
from booking.services import training, trials
from booking.services.clock import now

# Far above any trial, and inside the database's integers.
MAX_TRIAL_MINUTES = 10**7

# --- JSON shapes -------------------------------------------------------------------------------


def trial_json(trial: TrialRequest) -> dict:
    booking = trial.booking
    return {
        "id": trial.id,
        "resource_id": trial.resource_id,
        "requester": {
            "id": trial.requester_id,
            "name": trial.requester.name,
            "organisation_id": trial.organisation_id,
        },
        "earliest_start": instant(trial.earliest_start),
        "latest_end": instant(trial.latest_end),
        "duration_minutes": trial.duration_minutes,
        "title": trial.title,
        "description": trial.description,
        "materials": trial.materials,
        "safety_notes": trial.safety_notes,
        "attachments": list(trial.attachments or []),
        "status": trial.status,
        "booking": None
        if booking is None
        else {
            "id": booking.id,
            "start": instant(booking.start_at),
            "end": instant(booking.end_at),
            "status": booking.status,
        },
        "decision_reason": trial.decision_reason,
        "created_at": instant(trial.created_at),
        "updated_at": instant(trial.updated_at),
    }


def slots_json(found: trials.CandidateSlots) -> dict:
    return {
        "trial_request_id": found.trial.id,
        "searched": {"start": instant(found.searched_from), "end": instant(found.searched_until)},
        "window_truncated": found.window_truncated,
        "slots": [{"start": instant(start), "end": instant(end)} for start, end in found.slots],
    }


def training_json(request: TrainingRequest) -> dict:
    user = request.user
    return {
        "id": request.id,
        "resource_id": request.resource_id,
        "user": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "organisation_id": user.organisation_id,
        },
        "message": request.message,
        "status": request.status,
        "created_at": instant(request.created_at),
        "handled_at": instant(request.handled_at),
    }


# --- Reading input -----------------------------------------------------------------------------


def _trial_input(payload: dict) -> trials.TrialInput:
    fields = Fields(payload)
    resource_id = fields.id("resource_id", required=True)
    earliest_start = fields.instant("earliest_start", required=True)
    latest_end = fields.instant("latest_end", required=True)
    duration = fields.integer(
        "duration_minutes", required=True, minimum=1, maximum=MAX_TRIAL_MINUTES
    )
    title = fields.string("title", required=True, max_length=trials.MAX_TITLE)
    texts = {
        name: fields.string(name, max_length=trials.MAX_TEXT, allow_empty=True, nullable=True)
        for name in ("description", "materials", "safety_notes")
    }
    attachments = fields.value("attachments") or []
    if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
        fields.error("attachments", "must be a list of links")
    fields.done()
    return trials.TrialInput(
        resource_id=resource_id,
        earliest_start=earliest_start,
        latest_end=latest_end,
        duration_minutes=duration,
        title=title,
        attachments=tuple(attachments),
        **{name: value or "" for name, value in texts.items()},
    )


# --- Trial requests ----------------------------------------------------------------------------


@bp.post("/trial-requests")
@token_required
def create_trial_request():
    trial = trials.submit(api_user(), _trial_input(json_object()), now=now())
    trial = trials.get_trial(api_user(), trial.id)
    location = url_for("api.get_trial_request", id=trial.id)
    return trial_json(trial), 201, {"Location": location}


@bp.get("/trial-requests")
@token_required
def list_trial_requests():
    resource_id = query_id("resource_id")
    if resource_id is not None or query_flag("managed"):
        query = trials.trials_for_managers(api_user(), resource_id=resource_id)
    else:
        query = trials.my_trials(api_user())
    return paginated(query, trial_json)


@bp.get("/trial-requests/<id:id>")
@token_required
def get_trial_request(id: int):
    return trial_json(trials.get_trial(api_user(), id))


@bp.get("/trial-requests/<id:id>/slots")
@token_required
def trial_request_slots(id: int):
    return slots_json(trials.candidate_slots(api_user(), id, now=now()))


@bp.post("/trial-requests/<id:id>/schedule")
@token_required
def schedule_trial_request(id: int):
    trials.managed_trial(api_user(), id)
    fields = Fields(json_object())
    start = fields.instant("start", required=True)
    fields.done()
    return trial_json(trials.schedule(api_user(), id, start, now=now()))


@bp.post("/trial-requests/<id:id>/decline")
@token_required
def decline_trial_request(id: int):
    trials.managed_trial(api_user(), id)
    fields = Fields(json_object())
    reason = fields.string("reason", required=True, max_length=trials.MAX_REASON)
    fields.done()
    return trial_json(trials.decline(api_user(), id, reason, now=now()))


@bp.post("/trial-requests/<id:id>/withdraw")
@token_required
def withdraw_trial_request(id: int):
    Fields(optional_json_object()).done()
    return trial_json(trials.withdraw(api_user(), id, now=now()))


# --- Training requests -------------------------------------------------------------------------


@bp.post("/resources/<id:id>/training-requests")
@token_required
def create_training_request(id: int):
    fields = Fields(optional_json_object())
    message = fields.string(
        "message", max_length=training.MAX_MESSAGE, allow_empty=True, nullable=True
    )
    fields.done()
    created = training.request_training(api_user(), id, message or "", now=now())
    return training_json(training.get_request(api_user(), created.id)), 201


@bp.get("/training-requests")
@token_required
def list_training_requests():
    if query_flag("managed"):
        query = training.open_requests(api_user())
    else:
        query = training.my_requests(api_user())
    return paginated(query, training_json)


@bp.post("/training-requests/<id:id>/grant")
@token_required
def grant_training_request(id: int):
    fields = Fields(optional_json_object())
    expires_on = fields.day("expires_on", nullable=True)
    fields.done()
    handled, qualification = training.grant(api_user(), id, expires_on, now=now())
    return training_json(handled) | {"qualification": qualification_json(qualification)}


@bp.post("/training-requests/<id:id>/decline")
@token_required
def decline_training_request(id: int):
    Fields(optional_json_object()).done()
    return training_json(training.decline(api_user(), id, now=now()))


# --- OpenAPI -----------------------------------------------------------------------------------


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


_INSTANT = {"type": "string", "format": "date-time"}
_MANAGED = _query("managed", {"type": "boolean"}, "The requests on the resources you manage")
_TEXT = text(trials.MAX_TEXT, blank=True, nullable=True, default="")
_INTERVAL = {"type": "object", "properties": {"start": _INSTANT, "end": _INSTANT}}
_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "organisation_id": {"type": "integer"},
    },
}

OPENAPI_PATHS = {
    "/trial-requests": {
        "get": {
            "summary": "Trial requests: your own, or those of the resources you manage",
            "description": "Without parameters, the requests you made, newest first. With "
            "`resource_id` (a resource you manage) or `managed=true`, the requests on your "
            "resources: open ones first, by earliest start.",
            "tags": ["trial requests"],
            "parameters": [
                _query("resource_id", ID, "A resource you manage"),
                _MANAGED,
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": json_response(
                    "A page of trial requests", page_of("#/components/schemas/Trial")
                ),
                **error_responses("401", "403", "404", "422"),
            },
        },
        "post": {
            "summary": "Ask for time on a pilot installation somewhere inside a window",
            "description": "The window must lie ahead, within the resource's booking horizon, "
            "and hold the duration, which must be a whole number of the resource's slots "
            "within its shortest and longest booking. Other kinds of resources are refused "
            "(422 on `resource_id`): they are booked directly.",
            "tags": ["trial requests"],
            "requestBody": json_body("TrialCreate"),
            "responses": {
                "201": json_response("The new request, open", schema_ref("Trial")),
                **error_responses("400", "401", "404", "422"),
            },
        },
    },
    "/trial-requests/{id}": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "One trial request (its requester and the resource's managers)",
            "tags": ["trial requests"],
            "responses": {
                "200": json_response("The request", schema_ref("Trial")),
                **error_responses("401", "404"),
            },
        },
    },
    "/trial-requests/{id}/slots": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "Free slots that fit an open request (managers)",
            "description": "The first free slots of the request's duration inside its window, "
            "from the availability search. The part of the window already past is skipped; "
            f"at most {trials.SEARCH_DAYS} days are searched, and `window_truncated` says "
            "when the window reaches further than `searched`.",
            "tags": ["trial requests"],
            "responses": {
                "200": json_response("Slots, earliest first", schema_ref("TrialSlots")),
                **error_responses("401", "403", "404", "409"),
            },
        },
    },
    "/trial-requests/{id}/schedule": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Book the trial from `start` for the requester (managers)",
            "description": "The whole trial must lie inside the window (422 on `start`). The "
            "booking is the requester's, confirmed at once; every booking rule is checked for "
            "the requester (their qualification, quota and other bookings), and a refusal is "
            "answered 409 with every violation. The request becomes `scheduled`.",
            "tags": ["trial requests"],
            "requestBody": json_body("TrialSchedule"),
            "responses": {
                "200": json_response(
                    "The scheduled request, with its booking", schema_ref("Trial")
                ),
                **error_responses("400", "401", "403", "404", "409", "422"),
            },
        },
    },
    "/trial-requests/{id}/decline": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Decline an open request, with a reason for the requester (managers)",
            "tags": ["trial requests"],
            "requestBody": json_body("TrialDecline"),
            "responses": {
                "200": json_response("The declined request", schema_ref("Trial")),
                **error_responses("400", "401", "403", "404", "409", "422"),
            },
        },
    },
    "/trial-requests/{id}/withdraw": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Withdraw your own request while it is open",
            "tags": ["trial requests"],
            "responses": {
                "200": json_response("The withdrawn request", schema_ref("Trial")),
                **error_responses("401", "403", "404", "409"),
            },
        },
    },
    "/resources/{id}/training-requests": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Ask a resource's managers for the training it requires",
            "description": "Only for a resource that requires a qualification you lack or hold "
            "expired; 409 when it needs none, when you hold a valid one or manage it, and "
            "when you have an open request for it already.",
            "tags": ["training requests"],
            "requestBody": json_body("TrainingCreate", required=False),
            "responses": {
                "201": json_response("The new request, open", schema_ref("TrainingRequest")),
                **error_responses("400", "401", "404", "409", "422"),
            },
        },
    },
    "/training-requests": {
        "get": {
            "summary": "Training requests: your own, or the open ones on resources you manage",
            "tags": ["training requests"],
            "parameters": [_MANAGED, *PAGINATION_PARAMETERS],
            "responses": {
                "200": json_response(
                    "A page of training requests", page_of("#/components/schemas/TrainingRequest")
                ),
                **error_responses("401", "422"),
            },
        },
    },
    "/training-requests/{id}/grant": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Grant the qualification and close the request as done (managers)",
            "description": "Granting to someone already qualified changes the expiry.",
            "tags": ["training requests"],
            "requestBody": json_body("TrainingGrant", required=False),
            "responses": {
                "200": json_response(
                    "The request, done, with the qualification",
                    {
                        "allOf": [
                            schema_ref("TrainingRequest"),
                            {
                                "type": "object",
                                "properties": {"qualification": schema_ref("Qualification")},
                            },
                        ]
                    },
                ),
                **error_responses("400", "401", "403", "404", "409", "422"),
            },
        },
    },
    "/training-requests/{id}/decline": {
        "parameters": [ID_PARAMETER],
        "post": {
            "summary": "Close an open training request without a qualification (managers)",
            "tags": ["training requests"],
            "responses": {
                "200": json_response("The declined request", schema_ref("TrainingRequest")),
                **error_responses("401", "403", "404", "409"),
            },
        },
    },
}

OPENAPI_SCHEMAS = {
    "Trial": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "resource_id": {"type": "integer"},
            "requester": _USER,
            "earliest_start": _INSTANT,
            "latest_end": _INSTANT,
            "duration_minutes": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "materials": {"type": "string"},
            "safety_notes": {"type": "string"},
            "attachments": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "status": {"type": "string", "enum": list(TRIAL_STATUSES)},
            "booking": {
                "type": "object",
                "nullable": True,
                "description": "The booking made when the request was scheduled",
                "properties": {
                    "id": {"type": "integer"},
                    "start": _INSTANT,
                    "end": _INSTANT,
                    "status": {"type": "string"},
                },
            },
            "decision_reason": {"type": "string", "description": "Why it was declined"},
            "created_at": _INSTANT,
            "updated_at": _INSTANT,
        },
    },
    "TrialCreate": {
        "type": "object",
        "required": ["resource_id", "earliest_start", "latest_end", "duration_minutes", "title"],
        "additionalProperties": False,
        "properties": {
            "resource_id": {**ID, "description": "A pilot installation"},
            "earliest_start": {**INSTANT, "example": "2026-12-07T08:00:00+01:00"},
            "latest_end": {**INSTANT, "example": "2026-12-18T18:00:00+01:00"},
            "duration_minutes": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_TRIAL_MINUTES,
                "example": 480,
            },
            "title": text(trials.MAX_TITLE),
            "description": _TEXT,
            "materials": _TEXT,
            "safety_notes": _TEXT,
            "attachments": {
                "type": "array",
                "maxItems": trials.MAX_ATTACHMENTS,
                "items": {"type": "string", "format": "uri", "maxLength": trials.MAX_LINK},
                "description": "Links (http or https) to documents kept elsewhere",
            },
        },
    },
    "TrialSlots": {
        "type": "object",
        "properties": {
            "trial_request_id": {"type": "integer"},
            "searched": _INTERVAL,
            "window_truncated": {"type": "boolean"},
            "slots": {"type": "array", "items": _INTERVAL},
        },
    },
    "TrialSchedule": {
        "type": "object",
        "required": ["start"],
        "additionalProperties": False,
        "properties": {"start": INSTANT},
    },
    "TrialDecline": {
        "type": "object",
        "required": ["reason"],
        "additionalProperties": False,
        "properties": {"reason": text(trials.MAX_REASON)},
    },
    "TrainingRequest": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "resource_id": {"type": "integer"},
            "user": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "organisation_id": {"type": "integer"},
                },
            },
            "message": {"type": "string"},
            "status": {"type": "string", "enum": list(TRAINING_STATUSES)},
            "created_at": _INSTANT,
            "handled_at": {**_INSTANT, "nullable": True},
        },
    },
    "TrainingCreate": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"message": text(training.MAX_MESSAGE, blank=True, nullable=True)},
    },
    "TrainingGrant": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "expires_on": {
                "type": "string",
                "format": "date",
                "nullable": True,
                "description": "Last day of validity; null or absent: no expiry",
            }
        },
    },
}
