"""The pages: one blueprint per area, thin views over the services."""

import secrets
from importlib import import_module

from flask import Flask, abort, request
from flask_babel import get_locale

from booking.api.problems import is_api_request
from booking.extensions import db, login_manager
from booking.models import User
from booking.services.catalogue import id_from_text, text_problem

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
    """The user of a session or remember-me cookie, unless their logins were ended since it began
    (User.login_secret: logout, a password change or reset, deactivation)."""
    written_id, _, secret = login_id.partition(":")
    user_id = id_from_text(written_id)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not secrets.compare_digest(secret.encode(), user.login_secret.encode()):
        return None
    return user


def _refuse_unstorable_address() -> None:
    """An address holding a NUL (`%00`) in its path or query names no page: 404, before a view
    hands the text to the database, which would refuse it. (The API answers 422 instead.)"""
    if is_api_request():
        return
    texts = [*(request.view_args or {}).values(), *request.args.keys()]
    texts += [value for values in request.args.listvalues() for value in values]
    if any(isinstance(text, str) and text_problem(text) for text in texts):
        abort(404)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_unstorable_address)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    for name in AREAS:
        app.register_blueprint(import_module(f"booking.web.{name}").bp)
