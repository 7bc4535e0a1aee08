"""The JSON API v1 (see ../shared/api-v1.md): thin handlers over the services."""

from importlib import import_module

from flask import Blueprint, Flask

from booking.api.validation import refuse_unstorable_arguments
from booking.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(refuse_unstorable_arguments)

# Each area module adds its routes to `bp` and describes them in its OPENAPI_PATHS.
AREAS = (
    "accounts",
    "catalogue",
    "holidays",
    "bookings",
    "workflows",
    "calendar",
    "requests_api",
    "history",
    "openapi",
)


def area_modules():
    return [import_module(f"booking.api.{name}") for name in AREAS]


def init_app(app: Flask) -> None:
    area_modules()
    csrf.exempt(bp)
    app.register_blueprint(bp)
