"""Separate processes that run a job at the same moment as others, for the exactly-once tests."""

from datetime import datetime


def run_job(database_url: str, job: str, now: str, mail_port: int, barrier, results) -> None:
    """Run one of `reminders` or `outbox` in a fresh application, once every worker is ready."""
    from booking import create_app
    from booking.extensions import db
    from booking.jobs.reminders import send_reminders
    from booking.services.mailer import send_pending

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "SERVER_NAME": "localhost",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mail_port,
        }
    )
    with app.app_context():
        moment = datetime.fromisoformat(now)
        db.session.rollback()
        barrier.wait(timeout=60)
        try:
            if job == "reminders":
                results.put(len(send_reminders(moment)))
            else:
                results.put(send_pending(moment).sent)
        except Exception as error:  # reported to the test, which fails on anything unexpected
            results.put(f"error: {error!r}")
        finally:
            db.session.remove()
            db.engine.dispose()
