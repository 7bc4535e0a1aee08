"""Each rule of booking-rules.md on its own, then combined, through the booking service."""

from datetime import date, timedelta

import pytest

from booking.services.booking import BookingInput, create_bookings
from booking.services.errors import Forbidden, InvalidInput, NotFound
from booking.services.violations import BookingRefused
from tests.booking_factories import (
    NOW,
    book,
    codes,
    make_worked_example_resource,
    rome,
)
from tests.factories import (
    make_blackout,
    make_cluster,
    make_organisation,
    make_qualification,
    make_resource,
    make_user,
)

WED = (2026, 12, 2)


@pytest.fixture
def r(app):
    return make_worked_example_resource()


@pytest.fixture
def alice(r):
    return make_user(r.organisation)


@pytest.fixture
def bob(r):
    return make_user(r.organisation)


# -- worked examples ------------------------------------------------------------------------


def test_example_1_buffer_after_keeps_the_next_half_hour_free(r, alice, bob):
    book(alice, r, rome(*WED, 9), rome(*WED, 10))
    with pytest.raises(BookingRefused) as refusal:
        book(bob, r, rome(*WED, 10), rome(*WED, 11))
    assert codes(refusal) == ["buffer"]


def test_example_1_booking_after_the_buffer_is_confirmed(r, alice, bob):
    book(alice, r, rome(*WED, 9), rome(*WED, 10))
    outcome = book(bob, r, rome(*WED, 10, 30), rome(*WED, 11, 30))
    assert outcome.bookings[0].status == "confirmed"


def test_example_2_past_closing_time_is_closed(r, alice):
    with pytest.raises(BookingRefused) as refusal:
        book(alice, r, rome(*WED, 17, 30), rome(*WED, 18, 30))
    assert codes(refusal) == ["closed"]


def test_example_2_saturday_is_closed(r, alice):
    with pytest.raises(BookingRefused) as refusal:
        book(alice, r, rome(2026, 12, 5, 10), rome(2026, 12, 5, 11))
    assert codes(refusal) == ["closed"]


def test_example_3_off_grid_is_misaligned(r, alice):
    with pytest.raises(BookingRefused) as refusal:
        book(alice, r, rome(*WED, 9, 15), rome(*WED, 10, 15))
    assert codes(refusal) == ["misaligned"]


def test_example_3_off_grid_and_overlapping_reports_both(r, alice, bob):
    book(alice, r, rome(*WED, 9), rome(*WED, 10))
    with pytest.raises(BookingRefused) as refusal:
        book(bob, r, rome(*WED, 9, 15), rome(*WED, 10, 15))
    assert codes(refusal) == ["misaligned", "overlap"]


def test_example_5_joint_lab_refused_when_an_instrument_inside_is_booked(app):
    lab = make_resource(kind="joint_lab", approval="none")
    a = make_resource(lab.organisation, parent_id=lab.id, approval="none")
    user = make_user(lab.organisation)
    book(user, a, rome(*WED, 9), rome(*WED, 12))
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(lab.organisation), lab, rome(*WED, 11), rome(*WED, 13))
    assert codes(refusal) == ["child_booked"]


def test_example_5_sibling_instrument_stays_bookable(app):
    lab = make_resource(kind="joint_lab", approval="none")
    a = make_resource(lab.organisation, parent_id=lab.id, approval="none")
    b = make_resource(lab.organisation, parent_id=lab.id, approval="none")
    user = make_user(lab.organisation)
    book(user, a, rome(*WED, 9), rome(*WED, 12))
    outcome = book(make_user(lab.organisation), b, rome(*WED, 9), rome(*WED, 12))
    assert outcome.bookings[0].status == "confirmed"


def test_instrument_refused_when_its_joint_lab_is_booked(app):
    lab = make_resource(kind="joint_lab", approval="none")
    a = make_resource(lab.organisation, parent_id=lab.id, approval="none")
    book(make_user(lab.organisation), lab, rome(*WED, 9), rome(*WED, 12))
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(lab.organisation), a, rome(*WED, 10), rome(*WED, 11))
    assert codes(refusal) == ["parent_booked"]


# -- each rule ------------------------------------------------------------------------------


def test_end_before_start_is_an_invalid_interval(r, alice):
    with pytest.raises(BookingRefused) as refusal:
        book(alice, r, rome(*WED, 10), rome(*WED, 9))
    assert codes(refusal) == ["invalid_interval"]
    assert refusal.value.is_invalid_input


def test_touching_intervals_do_not_overlap(app):
    resource = make_resource(approval="none")
    user = make_user(resource.organisation)
    book(user, resource, rome(*WED, 9), rome(*WED, 10))
    outcome = book(make_user(resource.organisation), resource, rome(*WED, 10), rome(*WED, 11))
    assert len(outcome.bookings) == 1


def test_shorter_than_the_minimum_is_refused(app):
    resource = make_resource(min_duration_minutes=60, approval="none")
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 9, 30))
    assert codes(refusal) == ["min_duration"]


def test_longer_than_the_maximum_is_refused(app):
    resource = make_resource(max_duration_minutes=120, approval="none")
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 12))
    assert codes(refusal) == ["max_duration"]


def test_less_notice_than_the_lead_time_is_refused(app):
    resource = make_resource(lead_time_hours=48, approval="none")
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10))
    assert codes(refusal) == ["lead_time"]


def test_beyond_the_horizon_is_refused(app):
    resource = make_resource(horizon_days=30, approval="none")
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(resource.organisation), resource, rome(2027, 1, 5, 9), rome(2027, 1, 5, 10))
    assert codes(refusal) == ["horizon"]


def test_an_interval_that_has_begun_is_in_the_past(app):
    resource = make_resource(approval="none")
    with pytest.raises(BookingRefused) as refusal:
        book(
            make_user(resource.organisation),
            resource,
            NOW - timedelta(minutes=15),
            NOW + timedelta(minutes=45),
        )
    assert codes(refusal) == ["in_past"]


def test_a_manager_may_record_past_use(app):
    manager = make_user()
    resource = make_resource(manager.organisation, managers=[manager])
    outcome = book(
        manager, resource, NOW - timedelta(hours=3), NOW - timedelta(hours=2), record_past_use=True
    )
    assert outcome.bookings[0].status == "confirmed"


def test_a_member_may_not_record_past_use(app):
    resource = make_resource()
    with pytest.raises(Forbidden):
        book(
            make_user(resource.organisation),
            resource,
            NOW - timedelta(hours=3),
            NOW - timedelta(hours=2),
            record_past_use=True,
        )


def test_a_blackout_of_the_resource_refuses(r, alice):
    make_blackout(r, rome(*WED, 12), rome(*WED, 14), reason="Calibration")
    with pytest.raises(BookingRefused) as refusal:
        book(alice, r, rome(*WED, 13), rome(*WED, 15))
    assert codes(refusal) == ["blackout"]
    assert "Calibration" in refusal.value.violations[0].message


def test_a_blackout_of_the_parent_lab_refuses(app):
    lab = make_resource(kind="joint_lab", approval="none")
    instrument = make_resource(lab.organisation, parent_id=lab.id, approval="none")
    make_blackout(lab, rome(*WED, 0), rome(*WED, 23))
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(lab.organisation), instrument, rome(*WED, 9), rome(*WED, 10))
    assert codes(refusal) == ["blackout"]


def test_capacity_counts_quantities(app):
    resource = make_resource(capacity=3, approval="none")
    org = resource.organisation
    book(make_user(org), resource, rome(*WED, 9), rome(*WED, 11), quantity=2)
    book(make_user(org), resource, rome(*WED, 10), rome(*WED, 12), quantity=1)
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(org), resource, rome(*WED, 10), rome(*WED, 10, 30), quantity=1)
    assert codes(refusal) == ["capacity"]
    assert refusal.value.violations[0].params == {"free": 0, "capacity": 3}


def test_capacity_fills_where_quantities_do_not_meet(app):
    resource = make_resource(capacity=2, approval="none")
    org = resource.organisation
    book(make_user(org), resource, rome(*WED, 9), rome(*WED, 10), quantity=2)
    outcome = book(make_user(org), resource, rome(*WED, 10), rome(*WED, 11), quantity=2)
    assert len(outcome.bookings) == 1


def test_a_quantity_above_capacity_is_refused(app):
    resource = make_resource(capacity=2, approval="none")
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10), quantity=3)
    assert codes(refusal) == ["capacity"]


def test_buffer_before_keeps_set_up_time_free(app):
    resource = make_resource(buffer_before_minutes=30, approval="none")
    book(make_user(resource.organisation), resource, rome(*WED, 10), rome(*WED, 11))
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10))
    assert codes(refusal) == ["buffer"]


def test_training_is_required_without_a_qualification(app):
    resource = make_resource(requires_qualification=True, approval="none")
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10))
    assert codes(refusal) == ["not_qualified"]


def test_a_valid_qualification_allows_booking(app):
    resource = make_resource(requires_qualification=True, approval="none")
    user = make_user(resource.organisation)
    make_qualification(resource, user, expires_on=date(2027, 1, 31))
    assert book(user, resource, rome(*WED, 9), rome(*WED, 10)).bookings


def test_an_expired_qualification_stops_new_bookings(app):
    resource = make_resource(requires_qualification=True, approval="none")
    user = make_user(resource.organisation)
    make_qualification(resource, user, expires_on=date(2026, 11, 30))
    with pytest.raises(BookingRefused) as refusal:
        book(user, resource, rome(*WED, 9), rome(*WED, 10))
    assert codes(refusal) == ["not_qualified"]


def test_a_qualification_must_still_be_valid_on_the_day_of_the_booking(app):
    resource = make_resource(requires_qualification=True, approval="none")
    user = make_user(resource.organisation)
    make_qualification(resource, user, expires_on=date(2027, 1, 20))
    with pytest.raises(BookingRefused) as refusal:
        book(user, resource, rome(2027, 2, 1, 9), rome(2027, 2, 1, 10))
    assert codes(refusal) == ["not_qualified"]
    assert "2027-01-20" in refusal.value.violations[0].message


def test_a_qualification_is_valid_through_its_last_day(app):
    resource = make_resource(requires_qualification=True, approval="none")
    user = make_user(resource.organisation)
    make_qualification(resource, user, expires_on=date(2027, 1, 20))
    assert book(user, resource, rome(2027, 1, 20, 22), rome(2027, 1, 21, 0)).bookings


def test_a_booking_that_outlasts_the_qualification_is_refused(app):
    resource = make_resource(requires_qualification=True, approval="none")
    user = make_user(resource.organisation)
    make_qualification(resource, user, expires_on=date(2027, 1, 20))
    with pytest.raises(BookingRefused) as refusal:
        book(user, resource, rome(2027, 1, 20, 22), rome(2027, 1, 21, 1))
    assert codes(refusal) == ["not_qualified"]


def test_each_occurrence_of_a_series_is_checked_against_the_qualification(app):
    resource = make_resource(requires_qualification=True, approval="none")
    user = make_user(resource.organisation)
    make_qualification(resource, user, expires_on=date(2027, 1, 20))
    outcome = book(
        user,
        resource,
        rome(2027, 1, 5, 9),
        rome(2027, 1, 5, 10),
        rrule="FREQ=WEEKLY;COUNT=4",
        on_conflict="skip",
    )
    assert [b.start_at for b in outcome.bookings] == [
        rome(2027, 1, 5, 9),
        rome(2027, 1, 12, 9),
        rome(2027, 1, 19, 9),
    ]
    assert [
        (skipped.start, [v.code for v in skipped.violations]) for skipped in outcome.skipped
    ] == [(rome(2027, 1, 26, 9), ["not_qualified"])]


def test_quota_limits_other_organisations_per_month(app):
    resource = make_resource(monthly_quota_hours=3, approval="none")
    guest_org = make_organisation()
    book(make_user(guest_org), resource, rome(*WED, 9), rome(*WED, 11))
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(guest_org), resource, rome(2026, 12, 3, 9), rome(2026, 12, 3, 11))
    assert codes(refusal) == ["quota"]


def test_quota_starts_again_next_month(app):
    resource = make_resource(monthly_quota_hours=3, approval="none")
    guest_org = make_organisation()
    book(make_user(guest_org), resource, rome(*WED, 9), rome(*WED, 11))
    assert book(make_user(guest_org), resource, rome(2027, 1, 5, 9), rome(2027, 1, 5, 11)).bookings


def test_quota_does_not_apply_to_the_owner(app):
    resource = make_resource(monthly_quota_hours=1, approval="none")
    assert book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 12)).bookings


def test_an_invisible_resource_does_not_exist_for_the_user(app):
    resource = make_resource(visibility="organisation")
    with pytest.raises(NotFound):
        book(make_user(), resource, rome(*WED, 9), rome(*WED, 10))


def test_a_cluster_resource_is_bookable_by_a_cluster_member(app):
    cluster = make_cluster()
    resource = make_resource(visibility="clusters", approval="none")
    resource.clusters = [cluster]
    guest_org = make_organisation()
    guest_org.clusters = [cluster]
    assert book(make_user(guest_org), resource, rome(*WED, 9), rome(*WED, 10)).bookings


def test_one_live_request_per_user_and_resource_at_a_time(app):
    resource = make_resource(capacity=4, approval="none")
    user = make_user(resource.organisation)
    first = book(user, resource, rome(*WED, 9), rome(*WED, 11)).bookings[0]
    with pytest.raises(BookingRefused) as refusal:
        book(user, resource, rome(*WED, 10), rome(*WED, 12))
    assert codes(refusal) == ["duplicate_request"]
    assert refusal.value.violations[0].booking_id == first.id


def test_a_nonexistent_local_time_is_refused(app):
    resource = make_resource(approval="none", horizon_days=400)
    from datetime import datetime

    with pytest.raises(BookingRefused) as refusal:
        book(
            make_user(resource.organisation),
            resource,
            datetime(2027, 3, 28, 2, 30),
            datetime(2027, 3, 28, 3, 30),
        )
    assert codes(refusal) == ["nonexistent_local_time"]


def test_an_ambiguous_local_time_is_refused(app, frozen_now):
    from datetime import datetime

    resource = make_resource(approval="none", horizon_days=400)
    with pytest.raises(BookingRefused) as refusal:
        book(
            make_user(resource.organisation),
            resource,
            datetime(2027, 10, 31, 2, 30),
            datetime(2027, 10, 31, 3, 30),
        )
    assert codes(refusal) == ["ambiguous_local_time"]


def test_an_explicit_offset_picks_one_of_the_repeated_hours(app):
    from datetime import datetime, timezone

    resource = make_resource(approval="none", horizon_days=400)
    start = datetime(2027, 10, 31, 2, 30, tzinfo=timezone(timedelta(hours=1)))
    outcome = book(make_user(resource.organisation), resource, start, start + timedelta(hours=1))
    assert outcome.bookings[0].start_at.hour == 1  # 02:30+01:00 is 01:30 UTC


def test_a_local_wall_time_is_read_in_the_resource_zone(app):
    from datetime import datetime

    resource = make_resource(approval="none")
    outcome = book(
        make_user(resource.organisation),
        resource,
        datetime(2026, 12, 2, 9, 0),
        datetime(2026, 12, 2, 10, 0),
    )
    assert outcome.bookings[0].start_at == rome(*WED, 9)


def test_every_broken_rule_is_reported_together(r, alice):
    r.lead_time_hours = 72
    r.requires_qualification = True
    from booking.extensions import db

    db.session.commit()
    with pytest.raises(BookingRefused) as refusal:
        book(alice, r, rome(2026, 12, 2, 17, 45), rome(2026, 12, 2, 18, 45))
    assert codes(refusal) == ["closed", "lead_time", "misaligned", "not_qualified"]


def test_a_blank_title_is_invalid_input(r, alice):
    with pytest.raises(InvalidInput) as error:
        create_bookings(
            alice, BookingInput(r.id, rome(*WED, 9), rome(*WED, 10), title=" "), now=NOW
        )
    assert "title" in error.value.errors


# -- approval policies ----------------------------------------------------------------------


def test_external_policy_confirms_owners_at_once(app):
    resource = make_resource(approval="external")
    outcome = book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10))
    assert outcome.bookings[0].status == "confirmed"


def test_external_policy_makes_other_organisations_wait(app):
    resource = make_resource(approval="external")
    outcome = book(make_user(), resource, rome(*WED, 9), rome(*WED, 10))
    assert outcome.bookings[0].status == "pending"


def test_always_policy_makes_owners_wait_too(app):
    resource = make_resource(approval="always")
    outcome = book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10))
    assert outcome.bookings[0].status == "pending"


def test_pending_requests_do_not_block_each_other(app):
    resource = make_resource(approval="always")
    book(make_user(), resource, rome(*WED, 9), rome(*WED, 10))
    outcome = book(make_user(), resource, rome(*WED, 9), rome(*WED, 10))
    assert outcome.bookings[0].status == "pending"


def test_a_request_overlapping_a_confirmed_booking_is_refused_at_once(app):
    resource = make_resource(approval="external")
    book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10))
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(), resource, rome(*WED, 9, 30), rome(*WED, 10, 30))
    assert codes(refusal) == ["overlap"]


def test_another_organisations_booking_id_is_hidden(app):
    resource = make_resource(approval="none")
    book(make_user(resource.organisation), resource, rome(*WED, 9), rome(*WED, 10))
    with pytest.raises(BookingRefused) as refusal:
        book(make_user(), resource, rome(*WED, 9), rome(*WED, 10))
    assert refusal.value.violations[0].booking_id is None


def test_the_price_estimate_is_stored_with_the_booking(app):
    resource = make_resource(approval="none", rate_industry=120)
    business = make_organisation(type="business")
    booking = book(make_user(business), resource, rome(*WED, 9), rome(*WED, 11)).bookings[0]
    assert booking.rate_category == "industry"
    assert float(booking.price_estimate) == 240.0
