"""A database connection lost in the middle of a request is answered 503 with Retry-After, in the
API and on the pages, and the next request is served as if nothing had happened (the session was
rolled back). The connection really dies: PostgreSQL terminates the request's own backend from a
second connection; on SQLite the request's connection is closed under it."""

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import event

from booking.extensions import db
from booking.services.tokens import issue_token
from tests.accounts_factories import assert_problem, log_in, make_network_admin
from tests.booking_factories import NOW
from tests.factories import make_organisation


def _kill(dbapi_connection, database_url: str) -> None:
    if db.engine.dialect.name == "sqlite":
        dbapi_connection.close()
        return
    pid = dbapi_connection.info.backend_pid
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as other:
        # Waits (up to 10 s) until the backend is gone, so the request's next statement fails.
        other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])


@pytest.fixture
def connection_killer(app, database_url):
    """Arms a kill of the connection that runs the next statement reading `table`."""
    armed: dict[str, str] = {}

    def before(connection, cursor, statement, parameters, context, executemany):
        table = armed.get("table")
        if table and f"FROM {table}" in statement:
            armed.clear()
            _kill(connection.connection.dbapi_connection, database_url)

    event.listen(db.engine, "before_cursor_execute", before)
    yield lambda table: armed.update(table=table)
    event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def admin(app, frozen_now):
    make_organisation(name="Tecnopolo di Parma")
    return make_network_admin()


def _api(client, admin):
    secret, _token = issue_token(admin, now=NOW, lifetime=timedelta(days=1))
    return lambda: client.get(
        "/api/v1/organisations", headers={"Authorization": f"Bearer {secret}"}
    )


def _page(client, admin):
    log_in(client, admin)
    return lambda: client.get("/admin/organisations")


@pytest.mark.parametrize("door", [_api, _page], ids=["api", "page"])
def test_a_connection_lost_mid_request_is_answered_503_and_the_next_request_works(
    client, admin, connection_killer, door
):
    request = door(client, admin)
    connection_killer("organisations")

    lost = request()

    assert lost.status_code == 503
    assert lost.headers["Retry-After"] == "5"
    if lost.request.path.startswith("/api/"):
        assert_problem(lost, 503)
    else:
        assert "Please try again in a moment" in lost.get_data(as_text=True)
    again = request()
    assert again.status_code == 200
    assert "Tecnopolo di Parma" in again.get_data(as_text=True)
