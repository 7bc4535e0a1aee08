"""The scheduler process (`flask --app wsgi scheduler`): APScheduler triggers the jobs; each job is
a plain function of `now` that does its work through the services, in an application context.

Every job is safe to run from several schedulers at once (each claims its work in the database),
and catches up after downtime on its next run, so the triggers are simple intervals: a missed
trigger is not replayed (coalesce), and a job never overlaps itself within one process.
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from booking.extensions import db
from booking.jobs.digest import send_digests
from booking.jobs.reminders import send_reminders
from booking.jobs.statements import send_statements
from booking.services import clock, expiry, mailer

log = logging.getLogger("booking.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], object]
    every_seconds: int


def send_outbox(now: datetime) -> mailer.SendReport:
    return mailer.send_pending(now)


JOBS = (
    Job("send_outbox", send_outbox, 10),
    Job("expire_undecided", expiry.expire_undecided, 60),
    Job("send_reminders", send_reminders, 60),
    Job("send_digests", send_digests, 300),
    Job("send_statements", send_statements, 900),
)


def run_job(app: Flask, job: Job) -> object:
    """Run one job now, in its own application context (and database session)."""
    with app.app_context():
        try:
            return job.run(clock.now())
        except Exception:
            log.exception("Job %s failed; it runs again at its next trigger", job.name)
            return None
        finally:
            db.session.remove()


def add_jobs(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Register every job on `scheduler`, each due at once and then at its interval."""
    for job in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            args=(app, job),
            seconds=job.every_seconds,
            id=job.name,
            name=job.name,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=job.every_seconds,
        )
    return scheduler


def run_forever(app: Flask) -> None:
    """Run the jobs until SIGINT or SIGTERM, then let running jobs finish and return.

    The scheduler runs in its own threads; the signal handlers only set an event, so a signal
    never interrupts the scheduler while it holds one of its locks. The main thread wakes every
    second: the operating system may deliver the signal to a job's thread, and Python runs
    handlers only in the main thread, at its next step."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    scheduler = add_jobs(BackgroundScheduler(timezone=UTC), app)
    scheduler.start()
    log.info("Scheduler started: %s", ", ".join(job.name for job in JOBS))
    while not stop.wait(timeout=1):
        pass
    log.info("Scheduler stopping; waiting for running jobs")
    scheduler.shutdown(wait=True)
