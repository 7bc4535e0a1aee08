"""Another application over the test database of `app`, for settings that create_app reads once
(TRUSTED_PROXIES, BOOKING_ENV=production): the session-wide test app cannot change them."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from booking import create_app
from booking.extensions import db
from config import ProductionConfig

STRONG_SECRET = "0123456789abcdef" * 4


@contextmanager
def app_with(app: Flask, **settings) -> Iterator[Flask]:
    """An app like `app` (its database, clock, server name) with `settings` on top."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SERVER_NAME": app.config["SERVER_NAME"],
            "CLOCK": app.config["CLOCK"],
            **settings,
        }
    )
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


@contextmanager
def production_app(app: Flask, monkeypatch: pytest.MonkeyPatch, **settings) -> Iterator[Flask]:
    """An app made with BOOKING_ENV=production (a strong secret and a server name given)."""
    monkeypatch.setenv("BOOKING_ENV", "production")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", STRONG_SECRET)
    monkeypatch.setattr(ProductionConfig, "SERVER_NAME", "localhost")
    with app_with(app, SECRET_KEY=STRONG_SECRET, **settings) as production:
        yield production
