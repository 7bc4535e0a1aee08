"""User accounts: credentials and passwords."""

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from booking.extensions import db
from booking.models import User

MIN_PASSWORD_LENGTH = 8
# Compared against when the email is unknown, so both paths take the same time.
_UNKNOWN_USER_HASH = generate_password_hash("unknown-user-placeholder")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    if user is None:
        check_password_hash(_UNKNOWN_USER_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user
