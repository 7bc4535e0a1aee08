"""Bearer-token authentication for the API."""

from functools import wraps

from flask import g, request

from booking.api.problems import ApiProblem
from booking.models import ApiToken, User
from booking.services.clock import now
from booking.services.tokens import user_for_token


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def token_required(view):
    """Run the view with `g.api_user` and `g.api_token` set, or answer 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        secret = _bearer_secret()
        if secret is None:
            raise ApiProblem(401, "Unauthorized", "Send 'Authorization: Bearer <token>'.")
        found = user_for_token(secret, now=now())
        if found is None:
            raise ApiProblem(401, "Unauthorized", "The token is unknown, expired or revoked.")
        g.api_user, g.api_token = found
        return view(*args, **kwargs)

    return wrapper


def api_user() -> User:
    return g.api_user


def api_token() -> ApiToken:
    return g.api_token
