"""Property: whatever sequence of creations, moves and cancellations people make, the confirmed
bookings never exceed a resource's capacity, buffers included, nor overlap across a joint lab and
the instruments inside it."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking
from booking.services.booking import (
    BookingChange,
    BookingInput,
    cancel_booking,
    create_bookings,
    update_booking,
)
from booking.services.errors import Conflict
from booking.services.violations import BookingRefused
from tests.booking_factories import NOW, rome
from tests.factories import make_organisation, make_resource, make_user

DAY_START = rome(2026, 12, 2, 8)
SLOT = timedelta(minutes=30)

intervals = st.tuples(st.integers(0, 12), st.integers(1, 4))  # (start slot, length in slots)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 2), intervals, st.integers(1, 3)),
        st.tuples(st.just("move"), st.integers(0, 30), intervals, st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 30), intervals, st.integers(1, 3)),
    ),
    min_size=1,
    max_size=25,
)


def _span(interval):
    first, length = interval
    start = DAY_START + first * SLOT
    return start, start + length * SLOT


def _peak(spans: list[tuple]) -> int:
    events = sorted([(s, q) for s, _, q in spans] + [(e, -q) for _, e, q in spans])
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    capacity=st.integers(1, 3),
    buffer_before=st.sampled_from([0, 30]),
    buffer_after=st.sampled_from([0, 30, 60]),
    steps=operations,
)
def test_confirmed_bookings_never_exceed_capacity(
    app, capacity, buffer_before, buffer_after, steps
):
    organisation = make_organisation()
    lab = make_resource(organisation, kind="joint_lab", approval="none")
    instrument = make_resource(
        organisation,
        parent_id=lab.id,
        approval="none",
        capacity=capacity,
        buffer_before_minutes=buffer_before,
        buffer_after_minutes=buffer_after,
        slot_minutes=30,
        min_duration_minutes=30,
    )
    targets = [instrument, instrument, lab]
    users = [make_user(organisation) for _ in range(4)]
    made: list[tuple[int, object]] = []  # (booking id, its requester)
    for index, (action, which, interval, quantity) in enumerate(steps):
        user = users[index % len(users)]
        start, end = _span(interval)
        try:
            if action == "create":
                target = targets[which]
                outcome = create_bookings(
                    user,
                    BookingInput(
                        target.id,
                        start,
                        end,
                        title="Step",
                        quantity=quantity if target is instrument else 1,
                    ),
                    now=NOW,
                )
                made.extend((b.id, user) for b in outcome.bookings)
            elif made and action == "move":
                booking_id, requester = made[which % len(made)]
                update_booking(requester, booking_id, BookingChange(start=start, end=end), now=NOW)
            elif made:
                booking_id, requester = made[which % len(made)]
                cancel_booking(requester, booking_id, now=NOW)
        except (BookingRefused, Conflict):
            pass

    confirmed = (
        db.session.execute(
            select(Booking).where(
                Booking.resource_id.in_([lab.id, instrument.id]), Booking.status == "confirmed"
            )
        )
        .scalars()
        .all()
    )
    on_instrument = [b for b in confirmed if b.resource_id == instrument.id]
    on_lab = [b for b in confirmed if b.resource_id == lab.id]
    assert _peak([(b.blocked_start, b.blocked_end, b.quantity) for b in on_instrument]) <= capacity
    assert _peak([(b.blocked_start, b.blocked_end, 1) for b in on_lab]) <= 1
    for lab_booking in on_lab:
        for booking in on_instrument:
            assert not (
                lab_booking.blocked_start < booking.blocked_end
                and booking.blocked_start < lab_booking.blocked_end
            )
