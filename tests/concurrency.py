"""Running jobs at the same instant in threads, as several app processes or schedulers would."""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from flask import Flask
from sqlalchemy import make_url

from booking.extensions import db


def at_once(app: Flask, *jobs: Callable[[], Any], timeout: float = 120) -> list[Any]:
    """Run each job in a thread of its own, in an app context with its own session, all released
    together; their results in the order given (None for a job that raised). The caller's session
    must hold no transaction (SQLite has one writer at a time)."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[index] = job()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


@contextmanager
def locks_held_elsewhere(app: Flask, resource_id: int, wait_seconds: float = 0.2) -> Iterator[None]:
    """While the block runs, another connection holds what a writer of `resource_id` must lock
    (its row on PostgreSQL, the database's write lock on SQLite), and writers give up after
    `wait_seconds`."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    previous = app.config.get("BOOKING_LOCK_TIMEOUT_SECONDS")
    app.config["BOOKING_LOCK_TIMEOUT_SECONDS"] = wait_seconds
    db.session.rollback()
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        holder = psycopg.connect(url.set(drivername="postgresql").render_as_string(False))
        holder.execute("SELECT id FROM resources WHERE id = %s FOR UPDATE", (resource_id,))
    try:
        yield
    finally:
        holder.rollback()
        holder.close()
        app.config["BOOKING_LOCK_TIMEOUT_SECONDS"] = previous
