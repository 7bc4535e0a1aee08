"""Forgotten passwords: a link by mail that lets the account's owner choose a new one.

The link carries a token signed with SECRET_KEY (itsdangerous), holding the user's id and a check
made from their login secret and password hash, and the moment it was made. It expires after
PASSWORD_RESET_LINK_MINUTES (default 60), and it works once: setting the new password changes the
hash and the login secret, so the check no longer matches (nor does it after a logout, another
password change or a deactivation).

Asking for a link gives the same answer whether the address belongs to an active account or not,
and does the same work either way (the mail is rendered, and only saved for a real account), so
that neither the answer nor its time tells whether someone has an account. At most
MAX_MAILS_PER_WINDOW links go to one account within the login throttle's window, so that nobody
can flood a mailbox with them.
"""

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import OutboxMail, User
from booking.services import accounts, logins, notify
from booking.services.catalogue import N_
from booking.services.errors import DomainError
from booking.services.transaction import writing

DEFAULT_LINK_MINUTES = 60
MAX_MAILS_PER_WINDOW = 3
_SALT = "password-reset"


class InvalidResetLink(DomainError):
    """The link is malformed, expired, already used, or its account is gone or deactivated."""

    def __init__(self):
        super().__init__(N_("This link is invalid or has expired: ask for a new one."))


def link_lifetime() -> timedelta:
    minutes = current_app.config.get("PASSWORD_RESET_LINK_MINUTES", DEFAULT_LINK_MINUTES)
    return timedelta(minutes=float(minutes))


@writing()
def request_reset(email: str, *, now: datetime) -> None:
    """Queue a mail with a reset link to the active account with this email, in its owner's
    language; nothing (and no sign of it) for any other address."""
    email = accounts.normalise_email(email or "")
    user = db.session.execute(
        select(User).where(User.email == email, User.active.is_(True))
    ).scalar_one_or_none()
    # An unknown address gets the same work, for a stand-in account that is never saved.
    recipient = user or User(id=0, email=email, name=email, locale=None, login_secret="")
    minutes = round(link_lifetime().total_seconds() / 60)
    mail = notify.password_reset_mail(recipient, make_token(recipient, now=now), minutes, now)
    fresh = _recent_mails(recipient, now) < MAX_MAILS_PER_WINDOW
    if user is not None and fresh:
        db.session.add(mail)


def make_token(user: User, *, now: datetime) -> str:
    return _serializer(now).dumps({"user": user.id, "check": _check(user)})


def user_for_token(token: str, *, now: datetime) -> User:
    """The active user whose unexpired, unused link this is; InvalidResetLink otherwise."""
    try:
        payload = _serializer(now).loads(token, max_age=link_lifetime().total_seconds())
    except BadSignature:
        raise InvalidResetLink() from None
    user = None
    if isinstance(payload, dict) and isinstance(payload.get("user"), int):
        user = db.session.get(User, payload["user"])
    if user is None or not user.active or payload.get("check") != _check(user):
        raise InvalidResetLink()
    return user


@writing()
def reset_password(token: str, new_password: str, *, now: datetime) -> User:
    """Set the new password of the link's user (under the password policy: InvalidInput with
    `new_password`), ending every login and revoking the API tokens; the link is used up."""
    user = user_for_token(token, now=now)
    accounts.set_new_password(user, new_password, now=now, field="new_password")
    return user


def _check(user: User) -> str:
    """Changes whenever the password or the login secret does: a used link stops working."""
    material = f"{user.id}:{user.login_secret}:{user.password_hash}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _recent_mails(user: User, now: datetime) -> int:
    return db.session.execute(
        select(func.count(OutboxMail.id)).where(
            OutboxMail.recipient_id == user.id,
            OutboxMail.kind == notify.PASSWORD_RESET,
            OutboxMail.created_at > now - logins.window(),
        )
    ).scalar_one()


def _serializer(now: datetime) -> URLSafeTimedSerializer:
    """Signs and checks tokens as of `now` (the services' clock), not the machine's."""

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT, signer=Signer)
