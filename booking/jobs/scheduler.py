"""The scheduler process (`flask --app wsgi scheduler`): APScheduler triggers the jobs; each job is
a plain function of `now` that does its work through the services, in an application context.

Every job is safe to run from several schedulers at once (each claims its work in the database),
and catches up after downtime on its next run, so the triggers are simple intervals: a missed
trigger is not replayed (coalesce), and a job never overlaps itself within one process.
"""

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
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


def _exit(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def run_forever(app: Flask) -> None:
    """Block, running the jobs, until SIGINT or SIGTERM; then let running jobs finish."""
    scheduler = add_jobs(BlockingScheduler(timezone=UTC), app)
    signal.signal(signal.SIGTERM, _exit)
    try:
        log.info("Scheduler started: %s", ", ".join(job.name for job in JOBS))
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("Scheduler stopping; waiting for running jobs")
        if scheduler.running:
            scheduler.shutdown(wait=True)
