"""The migrations build the schema from nothing on both databases, and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from booking.database import compared_with_models
from booking.extensions import db


def test_models_match_the_migrations(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": compared_with_models}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_downgrade_to_empty_and_upgrade_again(app):
    downgrade(revision="base")
    with db.engine.connect() as connection:
        remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    with db.engine.connect() as connection:
        tables = set(db.inspect(connection).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables


def test_live_booking_spans_are_indexed_on_postgresql(app):
    with db.engine.connect() as connection:
        indexes = {i["name"] for i in db.inspect(connection).get_indexes("bookings")}
    expected = db.engine.dialect.name == "postgresql"
    assert ("ix_bookings_live_span" in indexes) is expected
