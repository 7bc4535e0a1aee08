"""Claims that make a job's work happen once, however many schedulers run it."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.extensions import db
from booking.models import JobRun


def claim_period(job: str, period: str, now: datetime) -> JobRun | None:
    """In the caller's unit of work (`writing()`), take `job` for `period` (e.g. the digest of
    2026-12-01); None when a run of it exists already. The unique (job, period) key decides
    between schedulers racing for it: the second insert fails (on PostgreSQL it waits for the
    first to commit or roll back, so a run that failed leaves the period free). The caller does
    the work in the same unit of work."""
    done = db.session.execute(
        select(JobRun.id).where(JobRun.job == job, JobRun.period == period)
    ).first()
    if done is not None:
        return None
    run = JobRun(job=job, period=period, started_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:
        return None
    return run
