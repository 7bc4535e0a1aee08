"""A separate process that tries to book, for the multi-process race tests."""

from datetime import datetime


def try_to_book(
    database_url: str,
    user_id: int,
    resource_id: int,
    start: str,
    end: str,
    now: str,
    barrier,
    results,
) -> None:
    from booking import create_app
    from booking.extensions import db
    from booking.models import User
    from booking.services.booking import BookingInput, create_bookings
    from booking.services.violations import BookingRefused

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        user = db.session.get(User, user_id)
        data = BookingInput(
            resource_id, datetime.fromisoformat(start), datetime.fromisoformat(end), title="Race"
        )
        db.session.rollback()
        barrier.wait(timeout=60)
        try:
            create_bookings(user, data, now=datetime.fromisoformat(now))
            results.put("won")
        except BookingRefused as refusal:
            results.put(",".join(sorted({v.code for v in refusal.violations})))
        except Exception as error:  # reported to the test, which fails on anything unexpected
            results.put(f"error: {error!r}")
        finally:
            db.engine.dispose()
