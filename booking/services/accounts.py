"""User accounts: credentials, passwords, profiles, and their administration.

Who manages which accounts (permissions.administers_organisation): network admins every account;
organisation admins the accounts of their own organisation, except network admins' accounts and
the network_admin role. Members see only their own account; for an organisation admin, accounts
of other organisations do not exist (NotFound), while members are refused the user directory
outright (Forbidden).

Every login of a user (sessions and remember-me cookies on every device) ends when they log out,
change their password, have it reset, or are deactivated: end_sessions() replaces the login
secret that each login carries (User.get_id). A new password set by anyone else than the user
(an admin, a reset link) also revokes their API tokens, as does deactivation.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from booking.extensions import db
from booking.models import ApiToken, Organisation, User
from booking.models.people import LOCALES, ROLES, new_login_secret
from booking.services import deactivation, history, passwords
from booking.services.deactivation import Commitments
from booking.services.errors import Forbidden, InvalidInput, NotFound
from booking.services.organisations import UNSET, AlreadyTaken
from booking.services.permissions import administers_organisation
from booking.services.transaction import flush_or_raise, writing

# Compared against when the email is unknown, so both paths take the same time.
_UNKNOWN_USER_HASH = generate_password_hash("unknown-user-placeholder")

EMAIL_TAKEN = "An account with this email address already exists."
LAST_NETWORK_ADMIN = "The network needs at least one active network admin."


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


# Administration of accounts


def is_user_admin(acting: User | None) -> bool:
    return acting is not None and (acting.is_network_admin or acting.is_org_admin)


def require_user_admin(acting: User | None) -> None:
    """Forbidden for anyone who administers no accounts at all."""
    if not is_user_admin(acting):
        raise Forbidden("Only network admins and organisation admins may manage accounts.")


def users_query(
    acting: User, *, organisation_id: int | None = None, q: str | None = None
) -> Select:
    """The accounts that `acting` administers, by name, optionally of one organisation and
    matching `q` in the name or email."""
    require_user_admin(acting)
    if not acting.is_network_admin:
        if organisation_id is not None and not administers_organisation(acting, organisation_id):
            raise Forbidden("Organisation admins see only the accounts of their organisation.")
        organisation_id = acting.organisation_id
    query = select(User).options(selectinload(User.organisation))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    if q:
        needle = q.strip().lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    return query.order_by(User.name, User.id)


@dataclass(frozen=True)
class AccountChange:
    """An account as update_user left it, and what its deactivation ended (None: not deactivated
    by this change)."""

    user: User
    ended: Commitments | None = None


def get_user(acting: User, user_id: int) -> User:
    """An account: one's own, or one that `acting` administers."""
    if user_id == acting.id:
        return acting
    require_user_admin(acting)
    user = db.session.get(User, user_id)
    if user is None or not administers_organisation(acting, user.organisation_id):
        raise NotFound("No such user.")
    return user


def require_account_manager(acting: User, user: User) -> None:
    """Forbidden unless `acting` may change `user`'s account (roles, activity, password)."""
    if not administers_organisation(acting, user.organisation_id):
        raise Forbidden("Members change their own account on their profile page.")
    if user.is_network_admin and not acting.is_network_admin:
        raise Forbidden("Only network admins may change a network admin's account.")


@writing()
def create_user(
    acting: User,
    *,
    email: str,
    name: str,
    password: str,
    organisation_id: int,
    roles: Iterable[str] = ("member",),
    active: bool = True,
    locale: str | None = None,
    now: datetime,
) -> User:
    """A new account. Organisation admins create accounts in their own organisation only, and
    never network admins."""
    require_user_admin(acting)
    errors: dict[str, str] = {}
    clean = {
        "email": _email(email, errors),
        "name": _name(name, errors),
        "password_hash": _password_hash(password, "password", errors, (email, name)),
        "locale": _locale(locale, errors),
        "active": bool(active),
    }
    flags = _role_flags(roles, errors)
    organisation = _organisation(organisation_id, errors)
    if errors:
        raise InvalidInput(errors)
    if not administers_organisation(acting, organisation.id):
        raise Forbidden("Organisation admins create accounts in their own organisation only.")
    if flags["is_network_admin"] and not acting.is_network_admin:
        raise Forbidden("Only network admins may make someone a network admin.")
    _raise_if_email_taken(clean["email"], None)
    user = User(organisation_id=organisation.id, created_at=now, **clean, **flags)
    db.session.add(user)
    _save()
    history.record_creation(user, acting, now)
    return user


@writing()
def update_user(
    acting: User,
    user_id: int,
    *,
    name: str = UNSET,
    email: str = UNSET,
    roles: Iterable[str] = UNSET,
    active: bool = UNSET,
    locale: str | None = UNSET,
    password: str = UNSET,
    organisation_id: int = UNSET,
    deactivation_reason: str = "",
    now: datetime,
) -> AccountChange:
    """Change the given fields of an account that `acting` administers.

    Only network admins move accounts between organisations, grant or withdraw the
    network_admin role, and touch network admins' accounts. Nobody deactivates their own
    account, and the last active network admin keeps that role.

    A new password ends the user's logins and revokes their API tokens. Deactivating ends their
    logins, revokes their tokens and, in the same unit of work, cancels their upcoming bookings
    and requests (services/deactivation.py), telling the managers `deactivation_reason` (a
    default when empty).
    """
    user = get_user(acting, user_id)
    require_account_manager(acting, user)

    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if email is not UNSET:
        clean["email"] = _email(email, errors)
    if name is not UNSET:
        clean["name"] = _name(name, errors)
    if password is not UNSET:
        related = (clean.get("email", user.email), clean.get("name", user.name))
        clean["password_hash"] = _password_hash(password, "password", errors, related)
    if locale is not UNSET:
        clean["locale"] = _locale(locale, errors)
    if active is not UNSET:
        clean["active"] = bool(active)
        if not clean["active"] and user.id == acting.id and user.active:
            errors["active"] = "You cannot deactivate your own account."
    if roles is not UNSET:
        clean.update(_role_flags(roles, errors))
    if organisation_id is not UNSET and organisation_id != user.organisation_id:
        organisation = _organisation(organisation_id, errors)
        if organisation is not None:
            clean["organisation_id"] = organisation.id
    if errors:
        raise InvalidInput(errors)

    if "organisation_id" in clean and not acting.is_network_admin:
        raise Forbidden("Only network admins move accounts between organisations.")
    granting = clean.get("is_network_admin", user.is_network_admin) != user.is_network_admin
    if granting and not acting.is_network_admin:
        raise Forbidden("Only network admins may make someone a network admin.")
    if _loses_last_network_admin(user, clean):
        field = "roles" if clean.get("active", True) else "active"
        raise InvalidInput({field: LAST_NETWORK_ADMIN})
    if "email" in clean:
        _raise_if_email_taken(clean["email"], user.id)

    deactivating = user.active and not clean.get("active", True)
    before = history.snapshot(user)
    for key, value in clean.items():
        setattr(user, key, value)
    _save()
    history.record_update(user, before, acting, now)
    if "password_hash" in clean:
        history.record(user, "password_changed", acting, now)
    ended = None
    if "password_hash" in clean or deactivating:
        end_sessions(user)
        revoke_api_tokens(user, now=now)
    if deactivating:
        ended = deactivation.end_commitments(acting, user, now=now, reason=deactivation_reason)
    return AccountChange(user, ended)


def commitments_to_end(acting: User, user_id: int, *, now: datetime) -> Commitments:
    """What deactivating the account would cancel, for an admin who may deactivate it."""
    user = get_user(acting, user_id)
    require_account_manager(acting, user)
    return deactivation.commitments_of(user, now=now)


# One's own account


@writing()
def update_profile(user: User, *, name: str, locale: str | None, now: datetime) -> User:
    """Change one's own name and language (None: follow the browser)."""
    errors: dict[str, str] = {}
    clean_name = _name(name, errors)
    clean_locale = _locale(locale, errors)
    if errors:
        raise InvalidInput(errors)
    before = history.snapshot(user)
    user.name, user.locale = clean_name, clean_locale
    history.record_update(user, before, user, now)
    return user


@writing()
def set_language(user: User, locale: str | None) -> None:
    """Change one's own language (None: follow the browser)."""
    errors: dict[str, str] = {}
    clean_locale = _locale(locale, errors)
    if errors:
        raise InvalidInput(errors)
    user.locale = clean_locale


@writing()
def change_password(user: User, current_password: str, new_password: str, *, now: datetime) -> int:
    """Change one's own password, proving the current one. Whoever knew the old one may have made
    API tokens or stayed logged in elsewhere: the live tokens are revoked (their number is
    returned) and every login ends (the caller logs the user in again where they are)."""
    errors: dict[str, str] = {}
    if not check_password_hash(user.password_hash, current_password or ""):
        errors["current_password"] = "The current password is wrong."
    new_hash = _password_hash(new_password, "new_password", errors, (user.email, user.name))
    if errors:
        raise InvalidInput(errors)
    user.password_hash = new_hash
    end_sessions(user)
    history.record(user, "password_changed", user, now)
    return revoke_api_tokens(user, now=now)


@writing()
def set_new_password(user: User, password: str, *, now: datetime, field: str = "password") -> None:
    """Give the user a new password without proving the old one (a reset link, `create-admin`):
    every login ends and the API tokens are revoked. InvalidInput under `field` if the password
    is refused."""
    errors: dict[str, str] = {}
    new_hash = _password_hash(password, field, errors, (user.email, user.name))
    if errors:
        raise InvalidInput(errors)
    user.password_hash = new_hash
    end_sessions(user)
    revoke_api_tokens(user, now=now)
    history.record(user, "password_changed", user, now)


@writing()
def log_out_everywhere(user: User) -> None:
    """End every login of the user, on every device (logging out)."""
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every session and remember-me login of the user, in the caller's transaction: each
    carries the login secret (User.get_id), which is checked on every request."""
    user.login_secret = new_login_secret()


def revoke_api_tokens(user: User, *, now: datetime) -> int:
    """Revoke the user's live API tokens, in the caller's transaction; how many there were."""
    return db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
        .values(revoked_at=now)
    ).rowcount


# Field checks: each returns the clean value and records a message in `errors` when invalid.


def _email(value: str, errors: dict) -> str:
    email = normalise_email(value or "")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = "This is not a valid email address."
    if len(email) > 254:
        errors["email"] = "must be at most 254 characters"
    return email


def _name(value: str, errors: dict) -> str:
    name = (value or "").strip()
    if not name:
        errors["name"] = "Please give a name."
    elif len(name) > 200:
        errors["name"] = "must be at most 200 characters"
    return name


def _password_hash(value: str, field: str, errors: dict, related: Iterable[str]) -> str | None:
    """The hash of a password that the policy accepts (services/passwords.py); `related` are the
    account's email and name."""
    problem = passwords.problem(value, related)
    if problem is not None:
        errors[field] = problem
        return None
    return hash_password(value)


def _locale(value: str | None, errors: dict) -> str | None:
    if value in (None, ""):
        return None
    if value not in LOCALES:
        errors["locale"] = "must be one of " + ", ".join(LOCALES) + " or null"
    return value


def _role_flags(roles: Iterable[str], errors: dict) -> dict[str, bool]:
    roles = set(roles)
    unknown = roles - set(ROLES)
    if unknown:
        errors["roles"] = "unknown role: " + ", ".join(sorted(map(str, unknown)))
    return {"is_network_admin": "network_admin" in roles, "is_org_admin": "org_admin" in roles}


def _organisation(organisation_id: int, errors: dict) -> Organisation | None:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        errors["organisation_id"] = "No such organisation."
    return organisation


def _loses_last_network_admin(user: User, clean: dict[str, Any]) -> bool:
    if not (user.is_network_admin and user.active):
        return False
    if clean.get("is_network_admin", True) and clean.get("active", True):
        return False
    # Locked on PostgreSQL so that two admins demoting each other cannot both succeed.
    others = db.session.execute(
        select(User.id)
        .where(User.is_network_admin.is_(True), User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).first()
    return others is None


def _raise_if_email_taken(email: str, own_id: int | None) -> None:
    query = select(User.id).where(User.email == email, User.id != (own_id or 0))
    if db.session.execute(query).first():
        raise AlreadyTaken("email", EMAIL_TAKEN)


def _save() -> None:
    flush_or_raise(AlreadyTaken("email", EMAIL_TAKEN))
