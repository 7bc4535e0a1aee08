"""The pages: one blueprint per area, thin views over the services."""

import secrets
from importlib import import_module

from flask import Flask
from flask_babel import get_locale

from booking.extensions import db, login_manager
from booking.models import User

# Each module defines `bp`.
AREAS = ("auth", "catalogue", "manage", "admin", "bookings", "approvals", "requests", "feeds")


@login_manager.user_loader
def _load_user(login_id: str) -> User | None:
    """The user of a session or remember-me cookie, unless their logins were ended since it began
    (User.login_secret: logout, a password change or reset, deactivation)."""
    user_id, _, secret = login_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not secrets.compare_digest(secret.encode(), user.login_secret.encode()):
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
