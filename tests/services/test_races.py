"""Concurrent requests for one slot: exactly as many win as the calendar allows, on both databases,
with threads and with separate processes. The losers get the answer they would have had coming
second (overlap, capacity, parent_booked/child_booked), never an error."""

import multiprocessing
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking, User
from booking.services.booking import BookingInput, create_bookings
from booking.services.violations import BookingRefused
from tests.booking_factories import NOW, rome
from tests.factories import make_organisation, make_resource, make_user
from tests.race_worker import try_to_book

THREADS = 16
PROCESSES = 4
START, END = rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)


def _race_in_threads(app, attempts: list[tuple[int, int]], quantity: int = 1) -> Counter:
    """attempts: (user id, resource id) per thread, all released at the same instant."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user_id: int, resource_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            data = BookingInput(resource_id, START, END, title="Race", quantity=quantity)
            db.session.rollback()
            barrier.wait(timeout=30)
            try:
                create_bookings(user, data, now=NOW)
                outcome = "won"
            except BookingRefused as refusal:
                outcome = ",".join(sorted({v.code for v in refusal.violations}))
            except Exception as error:
                outcome = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(outcomes)


def _users(count: int) -> list[int]:
    organisation = make_organisation()
    return [make_user(organisation).id for _ in range(count)]


def _confirmed_count() -> int:
    db.session.rollback()
    return db.session.execute(
        select(func.count()).select_from(Booking).where(Booking.status == "confirmed")
    ).scalar_one()


def test_sixteen_threads_on_one_slot_exactly_one_wins(app):
    resource = make_resource(approval="none")
    outcomes = _race_in_threads(app, [(uid, resource.id) for uid in _users(THREADS)])
    assert outcomes == Counter({"won": 1, "overlap": THREADS - 1})
    assert _confirmed_count() == 1


def test_threads_never_exceed_capacity(app):
    resource = make_resource(approval="none", capacity=3)
    outcomes = _race_in_threads(app, [(uid, resource.id) for uid in _users(THREADS)])
    assert outcomes == Counter({"won": 3, "capacity": THREADS - 3})
    db.session.rollback()
    total = db.session.execute(
        select(func.sum(Booking.quantity)).where(Booking.status == "confirmed")
    ).scalar_one()
    assert total == 3


def test_threads_with_quantities_never_exceed_capacity(app):
    resource = make_resource(approval="none", capacity=5)
    outcomes = _race_in_threads(app, [(uid, resource.id) for uid in _users(THREADS)], quantity=2)
    assert outcomes == Counter({"won": 2, "capacity": THREADS - 2})


def test_a_joint_lab_and_its_instrument_booked_at_once_exactly_one_wins(app):
    lab = make_resource(kind="joint_lab", approval="none")
    instrument = make_resource(lab.organisation, parent_id=lab.id, approval="none")
    users = _users(THREADS)
    attempts = [(uid, lab.id if i % 2 else instrument.id) for i, uid in enumerate(users)]
    outcomes = _race_in_threads(app, attempts)
    assert outcomes["won"] == 1
    assert sum(outcomes.values()) == THREADS
    assert set(outcomes) - {"won"} <= {"overlap", "parent_booked", "child_booked"}
    assert _confirmed_count() == 1


def test_four_processes_on_one_slot_exactly_one_wins(app):
    resource_id = make_resource(approval="none").id
    users = _users(PROCESSES)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    workers = [
        context.Process(
            target=try_to_book,
            args=(
                url,
                uid,
                resource_id,
                START.isoformat(),
                END.isoformat(),
                NOW.isoformat(),
                barrier,
                results,
            ),
        )
        for uid in users
    ]
    for worker in workers:
        worker.start()
    outcomes = Counter(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == Counter({"won": 1, "overlap": PROCESSES - 1})
    assert _confirmed_count() == 1


def test_a_moved_booking_and_a_new_one_racing_for_a_slot_never_both_win(app):
    from booking.services.booking import BookingChange, update_booking

    resource = make_resource(approval="none")
    mover, booker = _users(2)
    mover_user = db.session.get(User, mover)
    existing_id = (
        create_bookings(
            mover_user,
            BookingInput(
                resource.id, START + timedelta(hours=3), END + timedelta(hours=3), title="To move"
            ),
            now=NOW,
        )
        .bookings[0]
        .id
    )
    resource_id = resource.id
    db.session.rollback()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move():
        with app.app_context():
            user = db.session.get(User, mover)
            db.session.rollback()
            barrier.wait(timeout=30)
            try:
                update_booking(user, existing_id, BookingChange(start=START, end=END), now=NOW)
                outcomes.append("won")
            except BookingRefused:
                outcomes.append("refused")
            finally:
                db.session.remove()

    def create():
        with app.app_context():
            user = db.session.get(User, booker)
            db.session.rollback()
            barrier.wait(timeout=30)
            try:
                create_bookings(user, BookingInput(resource_id, START, END, title="New"), now=NOW)
                outcomes.append("won")
            except BookingRefused:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=move), threading.Thread(target=create)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "won"]
