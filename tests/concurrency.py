"""Running jobs at the same instant in threads, as several app processes or schedulers would."""

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

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
