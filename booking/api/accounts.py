"""Tokens, the current user, clusters, organisations and users."""

from datetime import timedelta
from typing import Any

from flask import current_app, request

from booking.api import bp
from booking.api.auth import api_token, api_user, token_required
from booking.api.openapi import (
    ID,
    ID_LIST,
    ID_PARAMETER,
    NO_NUL,
    PAGINATION_PARAMETERS,
    SEARCH_TEXT,
    page_of,
    text,
)
from booking.api.pagination import paginated
from booking.api.problems import ApiProblem, problem_response
from booking.api.schemas import instant, organisation_json, user_json
from booking.api.validation import Fields, json_object, query_id
from booking.models import Cluster
from booking.models.network import ORGANISATION_TYPES
from booking.models.people import LOCALES, ROLES
from booking.services import accounts, deactivation, logins, organisations, passwords, tokens
from booking.services.calendar import personal_feed_url, resource_feed_token
from booking.services.clock import now


@bp.post("/tokens")
def create_token():
    fields = Fields(json_object())
    email = fields.string("email", required=True, max_length=254)
    password = _password(fields, "password", required=True)
    fields.done()
    try:
        user = logins.log_in(email, password, address=request.remote_addr, now=now())
    except logins.LoginThrottled as throttled:
        response = problem_response(429, "Too Many Requests", throttled.detail)
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    if user is None:
        raise ApiProblem(401, "Unauthorized", "Wrong email or password.")
    lifetime = timedelta(hours=current_app.config["API_TOKEN_LIFETIME_HOURS"])
    secret, token = tokens.issue_token(user, now=now(), lifetime=lifetime)
    return {"token": secret, "expires_at": instant(token.expires_at)}, 201


@bp.delete("/tokens/current")
@token_required
def revoke_current_token():
    tokens.revoke_token(api_token(), now=now())
    return "", 204


@bp.get("/me")
@token_required
def me():
    user = api_user()
    return user_json(user) | {
        "organisation": organisation_json(user.organisation),
        "calendar_url": personal_feed_url(user),
        "resource_feed_token": resource_feed_token(user),
    }


# Clusters and organisations


@bp.get("/clusters")
@token_required
def list_clusters():
    return paginated(organisations.clusters_query(), _cluster_json)


@bp.get("/organisations")
@token_required
def list_organisations():
    query = organisations.organisations_query(
        q=request.args.get("q", "").strip() or None,
        type=request.args.get("type") or None,
        cluster_id=query_id("cluster"),
        city=request.args.get("city", "").strip() or None,
    )
    return paginated(query, organisation_json)


@bp.post("/organisations")
@token_required
def create_organisation():
    organisations.require_organisation_editor(api_user())
    values = _organisation_fields(json_object(), creating=True)
    organisation = organisations.create_organisation(api_user(), **values, now=now())
    return organisation_json(organisation), 201


@bp.get("/organisations/<id:organisation_id>")
@token_required
def get_organisation(organisation_id: int):
    return organisation_json(organisations.get_organisation(organisation_id))


@bp.patch("/organisations/<id:organisation_id>")
@token_required
def update_organisation(organisation_id: int):
    organisation = organisations.get_organisation(organisation_id)
    organisations.require_organisation_editor(api_user(), organisation)
    values = _organisation_fields(json_object(), creating=False)
    organisation = organisations.update_organisation(
        api_user(), organisation_id, **values, now=now()
    )
    return organisation_json(organisation)


# Users


@bp.get("/users")
@token_required
def list_users():
    query = accounts.users_query(
        api_user(),
        organisation_id=query_id("organisation_id"),
        q=request.args.get("q", "").strip() or None,
    )
    return paginated(query, user_json)


@bp.post("/users")
@token_required
def create_user():
    accounts.require_user_admin(api_user())
    values = _user_fields(json_object(), creating=True)
    user = accounts.create_user(api_user(), **values, now=now())
    return user_json(user), 201


@bp.get("/users/<id:user_id>")
@token_required
def get_user(user_id: int):
    return user_json(accounts.get_user(api_user(), user_id))


@bp.patch("/users/<id:user_id>")
@token_required
def update_user(user_id: int):
    accounts.require_user_admin(api_user())
    accounts.get_user(api_user(), user_id)
    values = _user_fields(json_object(), creating=False)
    change = accounts.update_user(
        api_user(), user_id, **values, deactivation_reason=deactivation.DEFAULT_REASON, now=now()
    )
    body = user_json(change.user)
    if change.ended is not None:
        body["cancelled"] = change.ended.counts()
    return body


def _cluster_json(cluster: Cluster) -> dict:
    return {
        "id": cluster.id,
        "code": cluster.code,
        "name_en": cluster.name_en,
        "name_it": cluster.name_it,
        "value_chains": [
            {"id": vc.id, "code": vc.code, "name_en": vc.name_en, "name_it": vc.name_it}
            for vc in cluster.value_chains
        ],
    }


def _password(fields: Fields, name: str, *, required: bool = False) -> str | None:
    """A password exactly as sent: unlike other strings, spaces in it are significant."""
    if not fields.present(name) or fields.data[name] is None:
        if required:
            fields.error(name, "is required")
        return None
    value = fields.data[name]
    if not isinstance(value, str) or not value:
        fields.error(name, "must be a non-empty string")
        return None
    if len(value) > passwords.MAX_LENGTH:
        fields.error(name, f"must be at most {passwords.MAX_LENGTH} characters")
        return None
    return value


def _organisation_fields(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The organisation fields present in `data` as service arguments; 422 if any is invalid."""
    fields = Fields(data)
    readers = {
        "name": lambda: fields.string("name", required=creating, max_length=200),
        "slug": lambda: fields.string("slug", max_length=120, nullable=True),
        "type": lambda: fields.choice("type", ORGANISATION_TYPES, required=creating),
        "city": lambda: fields.string("city", required=creating, max_length=120),
        "vat_number": lambda: fields.string("vat_number", max_length=20, nullable=True),
        "accredited": lambda: fields.boolean("accredited"),
        "description": lambda: fields.string("description", max_length=5000, allow_empty=True),
        "website": lambda: fields.string("website", max_length=300, nullable=True),
        "clusters": lambda: fields.id_list("clusters"),
    }
    # Creating reads every field, so that missing required ones are reported.
    values = {name: read() for name, read in readers.items() if creating or name in data}
    fields.done()
    if creating:
        values = {name: value for name, value in values.items() if value is not None}
    if "clusters" in values:
        values["cluster_ids"] = values.pop("clusters")
    return values


def _user_fields(data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The user fields present in `data` as service arguments; 422 if any is invalid."""
    fields = Fields(data)
    values: dict[str, Any] = {}
    for name in ("email", "name", "password", "organisation_id"):
        if creating and not fields.present(name):
            fields.error(name, "is required")
    if fields.present("email"):
        values["email"] = fields.string("email", max_length=254)
    if fields.present("name"):
        values["name"] = fields.string("name", max_length=200)
    if fields.present("password"):
        values["password"] = _password(fields, "password")
    if fields.present("organisation_id"):
        values["organisation_id"] = fields.id("organisation_id")
    if fields.present("active"):
        values["active"] = fields.boolean("active")
    # The service checks the values of locale and roles, with the other semantic checks.
    if fields.present("locale"):
        values["locale"] = fields.string("locale", max_length=5, nullable=True)
    if fields.present("roles"):
        roles = data["roles"]
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            fields.error("roles", "must be a list of: " + ", ".join(ROLES))
        else:
            values["roles"] = roles
    fields.done()
    return values


_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _json(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _ok(description: str, ref: str) -> dict:
    return {"description": description, "content": _json(ref)}


def _refs(*names: str) -> dict:
    codes = {
        "BadRequest": "400",
        "Unauthorized": "401",
        "Forbidden": "403",
        "NotFound": "404",
        "InvalidInput": "422",
    }
    return {codes[name]: {"$ref": f"#/components/responses/{name}"} for name in names}


def _taken(what: str) -> dict:
    return {"409": {"description": f"{what} already in use", "content": _PROBLEM}}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


OPENAPI_PATHS = {
    "/tokens": {
        "post": {
            "summary": "Get a bearer token",
            "security": [],
            "tags": ["accounts"],
            "description": f"After {logins.DEFAULT_LIMIT} failed logins within "
            f"{logins.DEFAULT_WINDOW_MINUTES} minutes (LOGIN_FAILURE_LIMIT, "
            "LOGIN_FAILURE_WINDOW_MINUTES) for one account or from one address, across every "
            "server process, the answer is 429 with `Retry-After` (seconds) until the window has "
            "passed, whatever the password, the right one included.",
            "requestBody": {"required": True, "content": _json("Credentials")},
            "responses": {
                "201": _ok("A new token; keep it secret", "Token"),
                **_refs("BadRequest", "Unauthorized", "InvalidInput"),
                "429": {
                    "description": "Too many failed logins for the account or from the address",
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds until logins are accepted again",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    },
                    "content": _PROBLEM,
                },
            },
        }
    },
    "/tokens/current": {
        "delete": {
            "summary": "Revoke the token in use",
            "tags": ["accounts"],
            "responses": {"204": {"description": "Revoked"}, **_refs("Unauthorized")},
        }
    },
    "/me": {
        "get": {
            "summary": "The authenticated user with their organisation",
            "tags": ["accounts"],
            "responses": {"200": _ok("The user", "Me"), **_refs("Unauthorized")},
        }
    },
    "/clusters": {
        "get": {
            "summary": "The Clust-ERs with their value chains, by code",
            "tags": ["network"],
            "parameters": PAGINATION_PARAMETERS,
            "responses": {
                "200": {
                    "description": "A page of clusters",
                    "content": {
                        "application/json": {"schema": page_of("#/components/schemas/Cluster")}
                    },
                },
                **_refs("Unauthorized", "InvalidInput"),
            },
        }
    },
    "/organisations": {
        "get": {
            "summary": "Member organisations, by name",
            "tags": ["network"],
            "parameters": [
                _query("q", SEARCH_TEXT, "Part of the name, in any case"),
                _query("type", {"type": "string", "enum": list(ORGANISATION_TYPES)}, "Type"),
                _query("cluster", ID, "Id of a Clust-ER the organisation is in"),
                _query("city", SEARCH_TEXT, "City, in any case"),
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": {
                    "description": "A page of organisations",
                    "content": {
                        "application/json": {"schema": page_of("#/components/schemas/Organisation")}
                    },
                },
                **_refs("Unauthorized", "InvalidInput"),
            },
        },
        "post": {
            "summary": "Add an organisation (network admins)",
            "description": "The slug is made from the name unless given. `vat_number` is an "
            "Italian partita IVA, with or without `IT` and spaces; 11 digits are stored.",
            "tags": ["network"],
            "requestBody": {"required": True, "content": _json("OrganisationCreate")},
            "responses": {
                "201": _ok("The new organisation", "Organisation"),
                **_refs("BadRequest", "Unauthorized", "Forbidden"),
                **_taken("The name, slug or VAT number is"),
                **_refs("InvalidInput"),
            },
        },
    },
    "/organisations/{id}": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "One organisation",
            "tags": ["network"],
            "responses": {
                "200": _ok("The organisation", "Organisation"),
                **_refs("Unauthorized", "NotFound"),
            },
        },
        "patch": {
            "summary": "Change an organisation (network admins)",
            "description": "Only the fields sent change; `slug: null` makes it again from the name.",
            "tags": ["network"],
            "requestBody": {"required": True, "content": _json("OrganisationPatch")},
            "responses": {
                "200": _ok("The organisation", "Organisation"),
                **_refs("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
                **_taken("The name, slug or VAT number is"),
                **_refs("InvalidInput"),
            },
        },
    },
    "/users": {
        "get": {
            "summary": "Accounts (network admins: all; organisation admins: their organisation's)",
            "tags": ["accounts"],
            "parameters": [
                _query("organisation_id", ID, "Only this organisation's"),
                _query("q", SEARCH_TEXT, "Part of the name or email"),
                *PAGINATION_PARAMETERS,
            ],
            "responses": {
                "200": {
                    "description": "A page of accounts",
                    "content": {
                        "application/json": {"schema": page_of("#/components/schemas/User")}
                    },
                },
                **_refs("Unauthorized", "Forbidden", "InvalidInput"),
            },
        },
        "post": {
            "summary": "Create an account",
            "description": "Organisation admins create accounts in their own organisation and "
            "may not grant `network_admin`. The email is unique in any case.",
            "tags": ["accounts"],
            "requestBody": {"required": True, "content": _json("UserCreate")},
            "responses": {
                "201": _ok("The new account (the password is never returned)", "User"),
                **_refs("BadRequest", "Unauthorized", "Forbidden"),
                **_taken("The email is"),
                **_refs("InvalidInput"),
            },
        },
    },
    "/users/{id}": {
        "parameters": [ID_PARAMETER],
        "get": {
            "summary": "One account: one's own, or one that the caller administers",
            "description": "Members get 403 for anyone but themselves; organisation admins get "
            "404 for accounts of other organisations.",
            "tags": ["accounts"],
            "responses": {
                "200": _ok("The account", "User"),
                **_refs("Unauthorized", "Forbidden", "NotFound"),
            },
        },
        "patch": {
            "summary": "Change an account that the caller administers",
            "description": "Only network admins change `organisation_id`, grant or withdraw "
            "`network_admin` and change network admins' accounts. Nobody deactivates their own "
            "account, and the last active network admin keeps the role (422).\n\n"
            "A new `password` ends every login of the user (sessions and remember-me, on every "
            "device) and revokes their API tokens. `active: false` does the same and, in the same "
            "transaction, cancels the user's pending and confirmed bookings that have not ended "
            "(the managers get the cancellation mails, with the reason \"The requester's account "
            'has been deactivated."), withdraws their open trial requests and closes their open '
            "training requests; the answer then counts them in `cancelled`. There is no flag to "
            "keep them: a deactivated account cannot use what it booked, and it would only block "
            "others.",
            "tags": ["accounts"],
            "requestBody": {"required": True, "content": _json("UserPatch")},
            "responses": {
                "200": _ok("The account", "UserChanged"),
                **_refs("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
                **_taken("The email is"),
                **_refs("InvalidInput"),
            },
        },
    },
}

_ORGANISATION_TYPE = {"type": "string", "enum": list(ORGANISATION_TYPES)}
_ROLES = {"type": "array", "items": {"type": "string", "enum": list(ROLES)}}
_ORGANISATION_WRITE = {
    "name": text(200),
    "slug": {
        "type": "string",
        "nullable": True,
        "maxLength": 120,
        "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
    },
    "type": _ORGANISATION_TYPE,
    "city": text(120),
    "vat_number": text(20, blank=True, nullable=True, example="IT00743110157"),
    "accredited": {"type": "boolean", "default": False},
    "description": text(5000, blank=True),
    "website": {
        "type": "string",
        "nullable": True,
        "maxLength": 300,
        "pattern": "^https?://[^\\u0000]*$",
        "example": "https://www.example.org",
    },
    "clusters": {**ID_LIST, "description": "Cluster ids"},
}
_USER_WRITE = {
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "name": text(200),
    "password": {
        "type": "string",
        "format": "password",
        "writeOnly": True,
        "minLength": passwords.MIN_LENGTH,
        "maxLength": passwords.MAX_LENGTH,
        "pattern": NO_NUL,
        "description": f"At least {passwords.MIN_LENGTH} characters and not a common or easily "
        "guessed password (checked with zxcvbn against breached-password lists, common words and "
        "the account's email and name); 422 otherwise. Setting it ends the user's logins and "
        "revokes their API tokens.",
    },
    "organisation_id": ID,
    "roles": _ROLES,
    "active": {"type": "boolean", "default": True},
    "locale": {"type": "string", "enum": list(LOCALES), "nullable": True},
}

OPENAPI_SCHEMAS = {
    "Credentials": {
        "type": "object",
        "required": ["email", "password"],
        "additionalProperties": False,
        "properties": {
            "email": text(254),
            "password": {
                "type": "string",
                "minLength": 1,
                "maxLength": passwords.MAX_LENGTH,
                "pattern": NO_NUL,
            },
        },
    },
    "Token": {
        "type": "object",
        "properties": {
            "token": {"type": "string"},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "User": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "organisation_id": {"type": "integer"},
            "roles": _ROLES,
            "active": {"type": "boolean"},
            "locale": {"type": "string", "enum": list(LOCALES), "nullable": True},
        },
    },
    "UserChanged": {
        "allOf": [
            {"$ref": "#/components/schemas/User"},
            {
                "type": "object",
                "properties": {
                    "cancelled": {
                        "type": "object",
                        "description": "Only when this request deactivated the account: what "
                        "the deactivation cancelled",
                        "properties": {
                            "bookings": {"type": "integer"},
                            "trial_requests": {"type": "integer"},
                            "training_requests": {"type": "integer"},
                        },
                    }
                },
            },
        ]
    },
    "UserCreate": {
        "type": "object",
        "required": ["email", "name", "password", "organisation_id"],
        "additionalProperties": False,
        "properties": _USER_WRITE,
    },
    "UserPatch": {"type": "object", "additionalProperties": False, "properties": _USER_WRITE},
    "Organisation": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "type": _ORGANISATION_TYPE,
            "city": {"type": "string"},
            "vat_number": {"type": "string", "nullable": True},
            "accredited": {"type": "boolean"},
            "description": {"type": "string"},
            "website": {"type": "string", "nullable": True},
            "clusters": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "OrganisationCreate": {
        "type": "object",
        "required": ["name", "type", "city"],
        "additionalProperties": False,
        "properties": _ORGANISATION_WRITE,
    },
    "OrganisationPatch": {
        "type": "object",
        "additionalProperties": False,
        "properties": _ORGANISATION_WRITE,
    },
    "ValueChain": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name_en": {"type": "string"},
            "name_it": {"type": "string"},
        },
    },
    "Cluster": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name_en": {"type": "string"},
            "name_it": {"type": "string"},
            "value_chains": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ValueChain"},
            },
        },
    },
    "Me": {
        "allOf": [
            {"$ref": "#/components/schemas/User"},
            {
                "type": "object",
                "properties": {
                    "organisation": {"$ref": "#/components/schemas/Organisation"},
                    "calendar_url": {
                        "type": "string",
                        "format": "uri",
                        "nullable": True,
                        "description": "The user's secret calendar feed; null until one is made",
                    },
                    "resource_feed_token": {
                        "type": "string",
                        "nullable": True,
                        "description": "The secret of the user's resource feed links, "
                        "/calendar/resources/{id}.ics?token=<it>, which opens resource feeds "
                        "only (never calendar_url's feed, whose secret opens no resource feed); "
                        "null until one is made (POST /me/resource-feed-token)",
                    },
                },
            },
        ]
    },
}
