"""Resources, their opening hours, blackouts and qualifications."""

from flask import request, url_for

from booking.api import bp
from booking.api.auth import api_user, token_required
from booking.api.openapi import (
    ID,
    ID_LIST,
    ID_PARAMETER,
    INSTANT,
    PAGINATION_PARAMETERS,
    SEARCH_TEXT,
    error_responses,
    json_body,
    page_of,
    schema_ref,
    text,
)
from booking.api.pagination import page_number, page_size, paginated
from booking.api.schemas import instant, money
from booking.api.validation import Fields, json_object, query_instant
from booking.models import Blackout, Qualification, Resource
from booking.models.resources import (
    APPROVAL_POLICIES,
    KINDS,
    RATE_CATEGORIES,
    VISIBILITIES,
    WEEKDAYS,
)
from booking.services import blackouts as blackout_service
from booking.services import catalogue
from booking.services import opening_hours as hours_service
from booking.services import qualifications as qualification_service
from booking.services import resources as resource_service
from booking.services.catalogue import FacetValue
from booking.services.clock import now
from booking.services.errors import InvalidInput


def resource_json(resource: Resource, children: list[Resource]) -> dict:
    return {
        "id": resource.id,
        "name": resource.name,
        "kind": resource.kind,
        "organisation_id": resource.organisation_id,
        "parent_id": resource.parent_id,
        "children": [child.id for child in children],
        "co_owners": [organisation.id for organisation in resource.co_owners],
        "timezone": resource.timezone,
        "city": resource.city,
        "site": resource.site,
        "description": resource.description,
        "specs": resource.specs,
        "clusters": [cluster.id for cluster in resource.clusters],
        "value_chains": [chain.id for chain in resource.value_chains],
        "visibility": resource.visibility,
        "approval": resource.approval,
        "capacity": resource.capacity,
        "slot_minutes": resource.slot_minutes,
        "min_duration_minutes": resource.min_duration_minutes,
        "max_duration_minutes": resource.max_duration_minutes,
        "buffer_before_minutes": resource.buffer_before_minutes,
        "buffer_after_minutes": resource.buffer_after_minutes,
        "lead_time_hours": resource.lead_time_hours,
        "horizon_days": resource.horizon_days,
        "requires_qualification": resource.requires_qualification,
        "monthly_quota_hours": resource.monthly_quota_hours,
        "managers": [manager.id for manager in resource.managers],
        "rates": {category: money(resource.rate(category)) for category in RATE_CATEGORIES},
        "created_at": instant(resource.created_at),
        "updated_at": instant(resource.updated_at),
    }


def blackout_json(blackout: Blackout) -> dict:
    return {
        "id": blackout.id,
        "resource_id": blackout.resource_id,
        "start": instant(blackout.start_at),
        "end": instant(blackout.end_at),
        "reason": blackout.reason,
    }


def qualification_json(qualification: Qualification) -> dict:
    user = qualification.user
    return {
        "id": qualification.id,
        "resource_id": qualification.resource_id,
        "user_id": qualification.user_id,
        "user": {"id": user.id, "name": user.name, "email": user.email},
        "expires_on": qualification.expires_on.isoformat() if qualification.expires_on else None,
    }


def _facet_label(facet: str, value: FacetValue) -> str:
    if facet in ("kind", "city"):
        return str(value.value)
    if facet == "organisation":
        return value.item.name
    return value.item.name_en


def _one_resource(resource: Resource) -> dict:
    children = catalogue.visible_children(api_user(), [resource])
    return resource_json(resource, children[resource.id])


@bp.get("/resources")
@token_required
def list_resources():
    user = api_user()
    result = catalogue.search(
        user,
        q=request.args.get("q"),
        kind=request.args.get("kind") or None,
        cluster=request.args.get("cluster"),
        value_chain=request.args.get("value_chain"),
        organisation=request.args.get("organisation"),
        city=request.args.get("city"),
        page=page_number(),
        per_page=page_size(),
    )
    children = catalogue.visible_children(user, result.items)
    return {
        "items": [resource_json(resource, children[resource.id]) for resource in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "facets": {
            facet: [
                {"value": value.value, "label": _facet_label(facet, value), "count": value.count}
                for value in values
            ]
            for facet, values in result.facets.items()
        },
    }


@bp.post("/resources")
@token_required
def create_resource():
    resource = resource_service.create_resource(api_user(), json_object(), now=now())
    location = url_for("api.get_resource", id=resource.id)
    return (
        _one_resource(catalogue.get_resource(api_user(), resource.id)),
        201,
        {"Location": location},
    )


@bp.get("/resources/<id:id>")
@token_required
def get_resource(id: int):
    return _one_resource(catalogue.get_resource(api_user(), id))


@bp.patch("/resources/<id:id>")
@token_required
def update_resource(id: int):
    resource_service.update_resource(api_user(), id, json_object(), now=now())
    return _one_resource(catalogue.get_resource(api_user(), id))


@bp.get("/resources/<id:id>/opening-hours")
@token_required
def get_opening_hours(id: int):
    return {"weekly": hours_service.get_opening_hours(api_user(), id)}


@bp.put("/resources/<id:id>/opening-hours")
@token_required
def set_opening_hours(id: int):
    body = json_object()
    # Authorise before answering about the body, so that outsiders learn nothing from it.
    catalogue.get_managed_resource(api_user(), id)
    fields = Fields(body)
    if not fields.present("weekly"):
        fields.error("weekly", "is required")
    fields.done()
    return {"weekly": hours_service.set_opening_hours(api_user(), id, body["weekly"], now=now())}


@bp.get("/resources/<id:id>/blackouts")
@token_required
def list_blackouts(id: int):
    window = {
        "from": query_instant("from", required=False),
        "to": query_instant("to", required=False),
    }
    for name, moment in window.items():
        if moment is not None and not catalogue.in_calendar(moment):
            raise InvalidInput({name: catalogue.OUT_OF_CALENDAR})
    query = blackout_service.blackouts_query(api_user(), id, start=window["from"], end=window["to"])
    return paginated(query, blackout_json)


@bp.post("/resources/<id:id>/blackouts")
@token_required
def create_blackout(id: int):
    body = json_object()
    # Authorise before validating, so that outsiders learn nothing from the answer.
    catalogue.get_managed_resource(api_user(), id)
    fields = Fields(body)
    start = fields.instant("start", required=True)
    end = fields.instant("end", required=True)
    reason = fields.string("reason", max_length=300, allow_empty=True) or ""
    fields.done()
    blackout = blackout_service.create_blackout(
        api_user(), id, start=start, end=end, reason=reason, now=now()
    )
    return blackout_json(blackout), 201


@bp.delete("/blackouts/<id:id>")
@token_required
def delete_blackout(id: int):
    blackout_service.delete_blackout(api_user(), id, now=now())
    return "", 204


@bp.get("/resources/<id:id>/qualifications")
@token_required
def list_qualifications(id: int):
    return paginated(qualification_service.qualifications_query(api_user(), id), qualification_json)


@bp.post("/resources/<id:id>/qualifications")
@token_required
def grant_qualification(id: int):
    body = json_object()
    catalogue.get_managed_resource(api_user(), id)
    fields = Fields(body)
    user_id = fields.id("user_id", required=True)
    expires_on = fields.day("expires_on", nullable=True)
    fields.done()
    qualification, created = qualification_service.grant_qualification(
        api_user(), id, user_id=user_id, expires_on=expires_on, now=now()
    )
    return qualification_json(qualification), 201 if created else 200


@bp.delete("/qualifications/<id:id>")
@token_required
def revoke_qualification(id: int):
    qualification_service.revoke_qualification(api_user(), id, now=now())
    return "", 204


# --- OpenAPI -----------------------------------------------------------------------------------


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_FILTER_PARAMETERS = [
    {
        "name": "q",
        "in": "query",
        "description": "Words to find in the name, description, city, site, technical "
        "specifications or the owner organisation's name",
        "schema": SEARCH_TEXT,
    },
    {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
    {
        "name": "cluster",
        "in": "query",
        "description": "A Clust-ER's id or code",
        "schema": SEARCH_TEXT,
    },
    {
        "name": "value_chain",
        "in": "query",
        "description": "A value chain's id or code",
        "schema": SEARCH_TEXT,
    },
    {
        "name": "organisation",
        "in": "query",
        "description": "The owner organisation's id or slug",
        "schema": SEARCH_TEXT,
    },
    {"name": "city", "in": "query", "schema": SEARCH_TEXT},
]
_NO_CONTENT = {"description": "Done"}

OPENAPI_PATHS = {
    "/resources": {
        "get": {
            "summary": "Search the catalogue: the resources you may see, with facet counts",
            "tags": ["catalogue"],
            "parameters": _FILTER_PARAMETERS + PAGINATION_PARAMETERS,
            "responses": {
                "200": _json(schema_ref("ResourcePage"), "One page of resources"),
                **error_responses("401", "422"),
            },
        },
        "post": {
            "summary": "Add a resource (network admins; organisation admins for their own)",
            "tags": ["catalogue"],
            "requestBody": json_body("ResourceInput"),
            "responses": {
                "201": _json(schema_ref("Resource"), "The new resource"),
                **error_responses("400", "401", "403", "422"),
            },
        },
    },
    "/resources/{id}": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "One resource",
            "tags": ["catalogue"],
            "responses": {
                "200": _json(schema_ref("Resource"), "The resource"),
                **error_responses("401", "404"),
            },
        },
        "patch": {
            "summary": "Change some fields of a resource (its managers and organisation admins)",
            "tags": ["catalogue"],
            "requestBody": json_body("ResourceInput"),
            "responses": {
                "200": _json(schema_ref("Resource"), "The changed resource"),
                **error_responses("400", "401", "403", "404", "422"),
            },
        },
    },
    "/resources/{id}/opening-hours": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "The weekly schedule, in the resource's local time",
            "tags": ["catalogue"],
            "responses": {
                "200": _json(schema_ref("OpeningHours"), "The schedule"),
                **error_responses("401", "404"),
            },
        },
        "put": {
            "summary": "Replace the weekly schedule (managers)",
            "description": "Days left out are closed; a schedule without any range means the "
            "resource is open at all hours. `24:00` may end a range.",
            "tags": ["catalogue"],
            "requestBody": json_body("OpeningHours"),
            "responses": {
                "200": _json(schema_ref("OpeningHours"), "The new schedule"),
                **error_responses("400", "401", "403", "404", "422"),
            },
        },
    },
    "/resources/{id}/blackouts": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "Blackouts of a resource (who may see the resource)",
            "tags": ["catalogue"],
            "parameters": [
                {
                    "name": "from",
                    "in": "query",
                    "description": "Only blackouts ending after this instant",
                    "schema": INSTANT,
                },
                {
                    "name": "to",
                    "in": "query",
                    "description": "Only blackouts starting before this instant",
                    "schema": INSTANT,
                },
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": _json(page_of("#/components/schemas/Blackout"), "One page of blackouts"),
                **error_responses("401", "404", "422"),
            },
        },
        "post": {
            "summary": "Close the resource for a span (managers)",
            "tags": ["catalogue"],
            "requestBody": json_body("BlackoutInput"),
            "responses": {
                "201": _json(schema_ref("Blackout"), "The new blackout"),
                **error_responses("400", "401", "403", "404", "422"),
            },
        },
    },
    "/blackouts/{id}": {
        "parameters": [ID_PARAMETER],
        "delete": {
            "summary": "Remove a blackout (managers of its resource)",
            "tags": ["catalogue"],
            "responses": {"204": _NO_CONTENT, **error_responses("401", "403", "404")},
        },
    },
    "/resources/{id}/qualifications": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "Who is trained on the resource (managers)",
            "tags": ["catalogue"],
            "parameters": PAGINATION_PARAMETERS,
            "responses": {
                "200": _json(
                    page_of("#/components/schemas/Qualification"), "One page of qualifications"
                ),
                **error_responses("401", "403", "404", "422"),
            },
        },
        "post": {
            "summary": "Grant a qualification, or change its expiry (managers)",
            "tags": ["catalogue"],
            "requestBody": json_body("QualificationInput"),
            "responses": {
                "200": _json(schema_ref("Qualification"), "The existing qualification, changed"),
                "201": _json(schema_ref("Qualification"), "The new qualification"),
                **error_responses("400", "401", "403", "404", "422"),
            },
        },
    },
    "/qualifications/{id}": {
        "parameters": [ID_PARAMETER],
        "delete": {
            "summary": "Revoke a qualification (managers of its resource)",
            "tags": ["catalogue"],
            "responses": {"204": _NO_CONTENT, **error_responses("401", "403", "404")},
        },
    },
}


def _integer(name: str, **more) -> dict:
    """A resource's integer field with the range that the service accepts."""
    minimum, maximum, nullable = resource_service.INTEGER_RANGES[name]
    schema = {"type": "integer", "minimum": minimum, "maximum": maximum, **more}
    return schema | {"nullable": True} if nullable else schema


_rate = {
    "type": "number",
    "minimum": 0,
    "maximum": float(resource_service.MAX_RATE),
    "nullable": True,
    "description": "EUR per hour",
}
_WRITABLE_PROPERTIES = {
    "name": text(200),
    "kind": {"type": "string", "enum": list(KINDS)},
    "organisation_id": {**ID, "description": "Defaults to your organisation"},
    "parent_id": {
        **ID,
        "nullable": True,
        "description": "A joint lab that you manage, which contains this resource",
    },
    "timezone": text(64, default="Europe/Rome", description="IANA time zone"),
    "city": text(120, description="Defaults to the organisation's city"),
    "site": text(200, blank=True, default=""),
    "description": text(10_000, blank=True, default=""),
    "specs": {
        "type": "array",
        "maxItems": resource_service.MAX_SPECS,
        "description": "Technical specifications as [label, value] pairs: a label of 1 to 100 "
        "characters, a value of at most 500",
        "items": {"type": "array", "items": text(500, blank=True), "minItems": 2, "maxItems": 2},
    },
    "clusters": ID_LIST,
    "value_chains": {**ID_LIST, "description": "Each must belong to one of `clusters`"},
    "visibility": {"type": "string", "enum": list(VISIBILITIES), "default": "network"},
    "approval": {"type": "string", "enum": list(APPROVAL_POLICIES), "default": "external"},
    "capacity": _integer("capacity", default=1),
    "slot_minutes": _integer("slot_minutes", default=15, description="Divides 1440"),
    "min_duration_minutes": _integer(
        "min_duration_minutes", description="A whole number of slots; defaults to one slot"
    ),
    "max_duration_minutes": _integer("max_duration_minutes", description="A whole number of slots"),
    "buffer_before_minutes": _integer("buffer_before_minutes", default=0),
    "buffer_after_minutes": _integer("buffer_after_minutes", default=0),
    "lead_time_hours": _integer("lead_time_hours", default=0),
    "horizon_days": _integer("horizon_days", default=365),
    "requires_qualification": {"type": "boolean", "default": False},
    "monthly_quota_hours": _integer(
        "monthly_quota_hours", description="Hours a month that each other organisation may book"
    ),
    "managers": {**ID_LIST, "description": "User ids"},
    "co_owners": {**ID_LIST, "description": "Organisation ids; joint labs only"},
    "rates": {
        "type": "object",
        "description": "EUR per hour by rate category, null where free; in a PATCH, only the "
        "categories given change",
        "additionalProperties": False,
        "properties": dict.fromkeys(RATE_CATEGORIES, _rate),
    },
}

OPENAPI_SCHEMAS = {
    "ResourceInput": {
        "type": "object",
        "description": "`name` and `kind` are required to create; a PATCH sends only what "
        "changes. Every invalid field is listed in the 422 answer's `errors`.",
        "additionalProperties": False,
        "properties": _WRITABLE_PROPERTIES,
    },
    "Resource": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            **_WRITABLE_PROPERTIES,
            "children": {**ID_LIST, "description": "Resources inside this joint lab"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
    "FacetValue": {
        "type": "object",
        "properties": {
            "value": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "label": {"type": "string"},
            "count": {"type": "integer"},
        },
    },
    "ResourcePage": {
        "allOf": [
            page_of("#/components/schemas/Resource"),
            {
                "type": "object",
                "properties": {
                    "facets": {
                        "type": "object",
                        "description": "For each filter, the count of each value among the "
                        "resources matching the other filters",
                        "properties": {
                            facet: {"type": "array", "items": schema_ref("FacetValue")}
                            for facet in catalogue.FACETS
                        },
                    }
                },
            },
        ]
    },
    "OpeningHours": {
        "type": "object",
        "required": ["weekly"],
        "additionalProperties": False,
        "properties": {
            "weekly": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    day: {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "string",
                                "maxLength": 5,
                                "pattern": "^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$",
                                "description": "24:00 only as the end of a range",
                            },
                            "minItems": 2,
                            "maxItems": 2,
                        },
                        "example": [["08:00", "12:00"], ["14:00", "18:00"]],
                    }
                    for day in WEEKDAYS
                },
            }
        },
    },
    "Blackout": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "resource_id": {"type": "integer"},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "reason": {"type": "string"},
        },
    },
    "BlackoutInput": {
        "type": "object",
        "required": ["start", "end"],
        "additionalProperties": False,
        "properties": {
            "start": INSTANT,
            "end": {**INSTANT, "description": "After start; " + INSTANT["description"]},
            "reason": text(300, blank=True),
        },
    },
    "Qualification": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "resource_id": {"type": "integer"},
            "user_id": {"type": "integer"},
            "user": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                },
            },
            "expires_on": {"type": "string", "format": "date", "nullable": True},
        },
    },
    "QualificationInput": {
        "type": "object",
        "required": ["user_id"],
        "additionalProperties": False,
        "properties": {
            "user_id": ID,
            "expires_on": {
                "type": "string",
                "format": "date",
                "nullable": True,
                "description": "Last day of validity; null or absent: no expiry",
            },
        },
    },
}
