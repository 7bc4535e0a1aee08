"""Every test that touches the database runs on SQLite and on PostgreSQL.

Each backend gets a fresh database for the test session, built by the Alembic migrations; tables are
emptied after each test (the tests keep their real transactions and commits).

PostgreSQL is found at TEST_POSTGRES_URL (default: the local server's `test` database). When it is
unreachable its tests are skipped, unless REQUIRE_POSTGRES=1 (as in CI), which makes that an error.
"""

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from booking import create_app
from booking.extensions import db

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.db'}"
        return
    problem = _postgres_reachable()
    if problem is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    name = f"booking_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_app(database_url) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [table.name for table in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in tables)
        # The history tables refuse TRUNCATE (their triggers); the replica role fires no ordinary
        # trigger, for this cleanup's transaction only.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        db.session.commit()
        return
    # Outside any transaction, so that the pragma takes effect (resources reference each other).
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys = OFF")
        for name in reversed(tables):
            cursor.execute(f'DELETE FROM "{name}"')
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()


# "Now" for every test: no test reads the real clock, so none depends on the day it runs.
FROZEN_NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def app(migrated_app) -> Iterator[Flask]:
    """The application on a clean database, inside an application context, its clock frozen."""
    migrated_app.config["CLOCK"] = lambda: FROZEN_NOW
    with migrated_app.app_context():
        yield migrated_app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def frozen_now(app):
    """Freeze the application's clock; returns a setter for moving it."""
    moment = {"now": FROZEN_NOW}
    app.config["CLOCK"] = lambda: moment["now"]

    def set_now(value: datetime) -> datetime:
        moment["now"] = value
        return value

    set_now.current = lambda: moment["now"]
    return set_now


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The application, over the test database of `app`, served on 127.0.0.1 at a free port by
    a threaded server (a request per thread, as under gunicorn); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
