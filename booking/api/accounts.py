"""Tokens, the current user, clusters, organisations and users."""

from datetime import timedelta

from flask import current_app

from booking.api import bp
from booking.api.auth import api_token, api_user, token_required
from booking.api.problems import ApiProblem
from booking.api.schemas import instant, organisation_json, user_json
from booking.api.validation import Fields, json_object
from booking.services import accounts, tokens
from booking.services.clock import now


@bp.post("/tokens")
def create_token():
    fields = Fields(json_object())
    email = fields.string("email", required=True, max_length=254)
    password = fields.string("password", required=True, max_length=1024)
    fields.done()
    user = accounts.authenticate(email, password)
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
    return user_json(user) | {"organisation": organisation_json(user.organisation)}


OPENAPI_PATHS = {
    "/tokens": {
        "post": {
            "summary": "Get a bearer token",
            "security": [],
            "tags": ["accounts"],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}
                },
            },
            "responses": {
                "201": {
                    "description": "A new token; keep it secret",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Token"}}
                    },
                },
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "422": {"$ref": "#/components/responses/InvalidInput"},
            },
        }
    },
    "/tokens/current": {
        "delete": {
            "summary": "Revoke the token in use",
            "tags": ["accounts"],
            "responses": {
                "204": {"description": "Revoked"},
                "401": {"$ref": "#/components/responses/Unauthorized"},
            },
        }
    },
    "/me": {
        "get": {
            "summary": "The authenticated user with their organisation",
            "tags": ["accounts"],
            "responses": {
                "200": {
                    "description": "The user",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                    },
                },
                "401": {"$ref": "#/components/responses/Unauthorized"},
            },
        }
    },
}

OPENAPI_SCHEMAS = {
    "Credentials": {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
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
            "roles": {
                "type": "array",
                "items": {"type": "string", "enum": ["network_admin", "org_admin", "member"]},
            },
            "active": {"type": "boolean"},
            "locale": {"type": "string", "enum": ["en", "it"], "nullable": True},
        },
    },
    "Organisation": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "type": {
                "type": "string",
                "enum": [
                    "research_lab",
                    "innovation_centre",
                    "university",
                    "business",
                    "startup",
                    "consortium",
                    "training_body",
                    "other",
                ],
            },
            "city": {"type": "string"},
            "vat_number": {"type": "string", "nullable": True},
            "accredited": {"type": "boolean"},
            "description": {"type": "string"},
            "website": {"type": "string", "nullable": True},
            "clusters": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "Me": {
        "allOf": [
            {"$ref": "#/components/schemas/User"},
            {
                "type": "object",
                "properties": {"organisation": {"$ref": "#/components/schemas/Organisation"}},
            },
        ]
    },
}
