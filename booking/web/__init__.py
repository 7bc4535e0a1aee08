"""The pages: one blueprint per area, thin views over the services."""

from importlib import import_module

from flask import Flask
from flask_babel import get_locale

from booking.extensions import db, login_manager
from booking.models import User

# Each module defines `bp`.
AREAS = (
    "auth",
    "catalogue",
    "manage",
    "admin",
    "bookings",
    "approvals",
    "requests",
    "feeds",
    "history",
)


@login_manager.user_loader
def _load_user(login_id: str) -> User | None:
    """The user of a session, unless their password changed since it began (User.get_id)."""
    user_id, _, fingerprint = login_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or fingerprint != user.login_fingerprint:
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    for name in AREAS:
        app.register_blueprint(import_module(f"booking.web.{name}").bp)
