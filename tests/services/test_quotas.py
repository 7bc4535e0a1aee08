"""Monthly quotas: what an organisation other than the owners has used this month, counted the same
way as the booking rules count it."""

from datetime import UTC, date, datetime

import pytest

from booking.extensions import db
from booking.services.approvals import reject
from booking.services.booking import cancel_booking
from booking.services.quotas import QuotaStatus, hours_used, months_touched, quota_status
from booking.services.violations import BookingRefused
from tests.approvals_factories import WED, outsider
from tests.booking_factories import NOW, ROME, book, codes, rome
from tests.factories import make_holiday_opening, make_organisation, make_resource, make_user


@pytest.fixture
def owner(app):
    return make_organisation()


@pytest.fixture
def resource(owner):
    # Open at all hours, confirmed at once for everyone: only the quota limits bookings.
    return make_resource(owner, approval="none", monthly_quota_hours=10)


@pytest.fixture
def guest(app):
    return outsider()


def test_no_quota_applies_to_a_resource_without_one(owner, guest):
    assert quota_status(guest, make_resource(owner), NOW) is None


def test_no_quota_applies_to_the_owner_organisation(owner, resource):
    assert quota_status(make_user(owner), resource, NOW) is None


def test_no_quota_applies_to_a_co_owner_organisation(resource, guest):
    resource.co_owners.append(guest.organisation)
    db.session.commit()
    assert quota_status(guest, resource, NOW) is None


def test_the_whole_quota_remains_before_any_booking(resource, guest):
    assert quota_status(guest, resource, NOW) == QuotaStatus(10, 0.0, 10.0, "2026-12")


def test_a_booking_uses_its_hours_of_the_quota(resource, guest):
    book(guest, resource, rome(*WED, 9), rome(*WED, 11, 30))
    assert quota_status(guest, resource, NOW) == QuotaStatus(10, 2.5, 7.5, "2026-12")


def test_colleagues_share_their_organisations_quota(resource, guest):
    book(make_user(guest.organisation), resource, rome(*WED, 9), rome(*WED, 12))
    assert quota_status(guest, resource, NOW).used_hours == 3.0


def test_another_organisations_bookings_do_not_count(resource, guest):
    book(outsider(), resource, rome(*WED, 9), rome(*WED, 12))
    assert quota_status(guest, resource, NOW).used_hours == 0.0


def test_pending_requests_count_but_rejected_and_cancelled_ones_do_not(owner, guest):
    manager = make_user(owner)
    resource = make_resource(owner, approval="always", monthly_quota_hours=10, managers=[manager])
    book(guest, resource, rome(*WED, 8), rome(*WED, 9))
    rejected = book(guest, resource, rome(*WED, 10), rome(*WED, 12)).bookings[0]
    cancelled = book(guest, resource, rome(*WED, 13), rome(*WED, 16)).bookings[0]
    reject(manager, rejected.id, now=NOW)
    cancel_booking(guest, cancelled.id, now=NOW)
    assert quota_status(guest, resource, NOW).used_hours == 1.0


def test_the_month_is_the_resources_local_month(resource, guest):
    # 00:30 on 1 January in Rome is still 31 December in UTC: it belongs to January.
    make_holiday_opening(resource, date(2027, 1, 1))
    book(guest, resource, rome(2027, 1, 1, 0, 30), rome(2027, 1, 1, 2, 30))
    book(guest, resource, rome(2026, 12, 31, 22), rome(2026, 12, 31, 23))
    december = quota_status(guest, resource, NOW)
    january = quota_status(guest, resource, datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert (december.month, december.used_hours) == ("2026-12", 1.0)
    assert (january.month, january.used_hours) == ("2027-01", 2.0)


def test_a_booking_across_midnight_of_the_month_counts_in_each_month(resource, guest):
    make_holiday_opening(resource, date(2027, 1, 1))
    book(guest, resource, rome(2026, 12, 31, 23), rome(2027, 1, 1, 2))
    months = months_touched(rome(2026, 12, 31, 0), rome(2027, 1, 2, 0), ROME)
    used = hours_used(resource, guest.organisation_id, months[0][1], months[-1][2])
    assert list(used.values()) == [1.0, 2.0]


def test_the_rules_refuse_exactly_what_the_status_says_does_not_remain(resource, guest):
    book(guest, resource, rome(*WED, 8), rome(*WED, 15))
    remaining = quota_status(guest, resource, NOW).remaining_hours
    assert remaining == 3.0
    with pytest.raises(BookingRefused) as refusal:
        book(guest, resource, rome(2026, 12, 3, 8), rome(2026, 12, 3, 11, 15))
    assert codes(refusal) == ["quota"]
    book(guest, resource, rome(2026, 12, 3, 8), rome(2026, 12, 3, 11))
    assert quota_status(guest, resource, NOW).remaining_hours == 0.0


def test_nothing_remains_once_a_lowered_quota_is_used_up(resource, guest):
    book(guest, resource, rome(*WED, 8), rome(*WED, 14))
    resource.monthly_quota_hours = 4
    db.session.commit()
    assert quota_status(guest, resource, NOW) == QuotaStatus(4, 6.0, 0.0, "2026-12")
