"""The scheduler process and the shell commands that start it or flush the outbox."""

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.background import BackgroundScheduler

from booking import PROJECT_ROOT
from booking.extensions import db
from booking.jobs.scheduler import JOBS, Job, add_jobs, run_job
from tests.booking_factories import book, rome
from tests.factories import make_resource, make_user
from tests.smtp import outbox

# A week after the frozen now: no reminder falls due during these tests.
NEXT_WEEK = (2026, 12, 9)


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=list(args))
        db.session.expire_all()
        return result

    return invoke


def queue_a_confirmation(frozen_now) -> None:
    book(
        make_user(),
        make_resource(approval="none"),
        rome(*NEXT_WEEK, 9),
        rome(*NEXT_WEEK, 10),
        now=frozen_now.current(),
    )


def test_every_job_is_registered_at_its_interval(app):
    scheduler = add_jobs(BackgroundScheduler(timezone=UTC), app)
    registered = {
        job.id: (job.trigger.interval.total_seconds(), job.max_instances, job.coalesce)
        for job in scheduler.get_jobs()
    }
    assert registered == {
        "send_outbox": (10, 1, True),
        "expire_undecided": (60, 1, True),
        "send_reminders": (60, 1, True),
        "send_digests": (300, 1, True),
        "send_statements": (900, 1, True),
    }
    assert {job.name for job in JOBS} == set(registered)


def test_a_job_runs_at_the_apps_clock(app, frozen_now):
    assert run_job(app, Job("probe", lambda now: now, 1)) == frozen_now.current()


def test_a_failing_job_is_logged_and_the_next_one_still_runs(app, caplog):
    def broken(now):
        raise RuntimeError("the disk is full")

    with caplog.at_level(logging.ERROR, logger="booking.jobs"):
        assert run_job(app, Job("broken", broken, 1)) is None
    assert "Job broken failed" in caplog.text
    assert run_job(app, Job("probe", lambda now: "ran", 1)) == "ran"


def test_the_running_scheduler_delivers_the_outbox(app, frozen_now, smtp_server):
    queue_a_confirmation(frozen_now)
    db.session.remove()
    delivered = threading.Event()
    errors = []

    def listen(event):
        if event.exception is not None:
            errors.append(event.exception)
        if event.job_id == "send_outbox":
            delivered.set()

    scheduler = add_jobs(BackgroundScheduler(timezone=UTC), app)
    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        assert delivered.wait(timeout=30)
    finally:
        scheduler.shutdown(wait=True)
    assert errors == []
    assert len(smtp_server.received) == 1
    assert [mail.kind for mail in outbox() if mail.sent_at is not None] == ["confirmed"]


def test_send_mail_sends_what_is_due_once(cli, frozen_now, smtp_server):
    queue_a_confirmation(frozen_now)
    result = cli("send-mail")
    assert (result.exit_code, result.output) == (0, "Sent 1 mail(s), 0 failed.\n")
    assert cli("send-mail").output == "Sent 0 mail(s), 0 failed.\n"
    assert len(smtp_server.received) == 1


def test_send_mail_exits_non_zero_when_a_mail_was_not_sent(cli, frozen_now, smtp_server):
    queue_a_confirmation(frozen_now)
    smtp_server.refuse_next(1, "451 4.3.0 Try again later")
    result = cli("send-mail")
    assert (result.exit_code, result.output) == (1, "Sent 0 mail(s), 1 failed.\n")


def test_the_scheduler_command_starts_and_stops_cleanly_on_sigterm(app):
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    env.pop("MAIL_SERVER", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if "booking.jobs: Scheduler started: send_outbox" in line:
                break
        else:
            raise AssertionError("".join(lines))
        process.send_signal(signal.SIGTERM)
        # A guard against a hang, not a timing: the jobs that were running finish first, and a
        # loaded machine under faketime runs them slowly.
        _, rest = process.communicate(timeout=240)
        assert process.returncode == 0, rest
        assert "Scheduler stopping" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
