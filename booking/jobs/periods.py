"""Claims that make a job's work happen once, however many schedulers run it."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.extensions import db
from booking.models import JobRun
from booking.services.locking import begin_write


def claim_period(job: str, period: str, now: datetime) -> JobRun | None:
    """Start a transaction that owns `job` for `period` (e.g. the digest of 2026-12-01), or None
    when a run of it exists already. The unique (job, period) key decides between schedulers
    racing for it: the second insert fails (on PostgreSQL it waits for the first to commit or roll
    back, so a run that failed leaves the period free). The caller does the work and commits."""
    begin_write()
    done = db.session.execute(
        select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
    ).first()
    if done is not None:
        db.session.rollback()
        return None
    run = JobRun(job=job, period=period, started_at=now)
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return run
