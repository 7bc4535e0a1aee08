"""API bearer tokens: random secrets handed out once, stored only as their SHA-256."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from booking.extensions import db
from booking.models import ApiToken, User
from booking.services.transaction import writing


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@writing()
def issue_token(user: User, *, now: datetime, lifetime: timedelta) -> tuple[str, ApiToken]:
    """Create a token for `user`; returns the secret (shown once) and the stored row."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, token_hash=_digest(secret), created_at=now, expires_at=now + lifetime
    )
    db.session.add(token)
    return secret, token


def user_for_token(secret: str, *, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user behind a live token, or None for an unknown, expired or revoked one."""
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _digest(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    return token.user, token


@writing()
def revoke_token(token: ApiToken, *, now: datetime) -> None:
    token.revoked_at = now
