"""The booking platform: create_app() builds the Flask application."""

from pathlib import Path
from typing import Any

from flask import Flask

from config import config_for_environment

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def app_folder(name: str) -> Path:
    """The app's `templates` or `migrations`: inside the package when the build put them there
    (a wheel, `pip install .`: see setup.py), else at the top of the source tree (a checkout, an
    editable install)."""
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    # Flask's own instance folder: `instance/` of a checkout, `<prefix>/var/booking-instance`
    # for an installed package (never inside site-packages).
    app = Flask(__name__, template_folder=str(app_folder("templates")))
    app.config.from_object(config_for_environment())
    app.config.update(overrides or {})
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'booking.db'}"
        )

    from booking import api, cli, errors, i18n, proxies, security_headers, web
    from booking.database import configure_engine
    from booking.extensions import csrf, db, login_manager, migrate
    from booking.routing import IdConverter

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(app_folder("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    app.url_map.converters["id"] = IdConverter  # before any route is added
    web.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    errors.register_error_handlers(app)
    security_headers.init_app(app)
    proxies.init_app(app)
    return app
