"""Engine-level behaviour that the rest of the code relies on, per database.

SQLite: foreign keys on, WAL journal (readers never wait for the writer), a busy timeout, and
transactions begun by us so that a writer can take the write lock up front with `BEGIN IMMEDIATE`,
waiting for it as long as its lock timeout says (see services/transaction.py). PostgreSQL: sessions in UTC, so that timestamps come
back as UTC datetimes with nothing to convert.
"""

from sqlalchemy import Engine, Select, event, func, select

from booking.extensions import db

# Execution option of a SQLite connection: begin with BEGIN IMMEDIATE, waiting this many
# milliseconds for the write lock.
IMMEDIATE = "sqlite_begin_immediate"

# Indexes that migrations create on PostgreSQL only (range types, GiST): the models cannot declare
# them for both databases, so comparing models and schema leaves them out.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_bookings_live_span"})


def compared_with_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object: whether autogenerate compares this schema object."""
    return not (type_ == "index" and reflected and name in POSTGRESQL_ONLY_INDEXES)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    elif engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        wait_ms = connection.get_execution_options().get(IMMEDIATE)
        if wait_ms is not None:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def page_of(query: Select, page: int, per_page: int) -> tuple[list, int]:
    """The rows of page `page` (from 1) of `query`, already ordered, and how many rows it has."""
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars()
    return list(rows), total
