"""People: user accounts, their API tokens, and their qualifications on resources."""

import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.network import Organisation
from booking.models.types import UTCDateTime

ROLES = ("network_admin", "org_admin", "member")
LOCALES = ("en", "it")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are kept lower-case, so uniqueness is case-insensitive on every database.
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("locale IS NULL OR locale IN ('en', 'it')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    is_network_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_org_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: follow the browser's language.
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The random nonce (hex) of the secret in the user's personal feed address, and that of the
    # secret in their resource feed links; each None until made. The secrets themselves are not
    # stored: they are the nonce with an HMAC of it (services/calendar.py).
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    resource_feed_nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Which mails the user wants, by kind (a kind not listed is sent).
    mail_preferences: Mapped[dict] = mapped_column(JSON, default=dict)
    # Carried in every session and remember-me cookie (get_id) and checked on every request:
    # replacing it (services/accounts.py, end_sessions) ends every login of the user everywhere.
    login_secret: Mapped[str] = mapped_column(String(32), default=lambda: new_login_secret())

    organisation: Mapped[Organisation] = relationship()

    @property
    def roles(self) -> list[str]:
        roles = ["member"]
        if self.is_org_admin:
            roles.insert(0, "org_admin")
        if self.is_network_admin:
            roles.insert(0, "network_admin")
        return roles

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot log in
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session and the remember cookie hold
        return f"{self.id}:{self.login_secret}"


def new_login_secret() -> str:
    return secrets.token_hex(16)


class LoginFailure(db.Model):
    """A login that failed, for the throttle (services/logins.py) and the admins' list.

    The row is written before the password is checked and deleted when the password proves right,
    so that attempts still being checked count as failures: parallel guesses cannot all pass the
    count at once. `email` is what was typed (normalised), with `user_id` when it names an account.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email_attempted_at", "email", "attempted_at"),
        Index("ix_login_failures_address_attempted_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User | None] = relationship()


class ApiToken(db.Model):
    """A bearer token for the API; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Qualification(db.Model):
    """A user's training on a resource, valid up to and including `expires_on` (none: no expiry)."""

    __tablename__ = "qualifications"
    __table_args__ = (db.UniqueConstraint("resource_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_on: Mapped[date | None] = mapped_column(Date)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_valid_on(self, day: date) -> bool:
        return self.expires_on is None or day <= self.expires_on
