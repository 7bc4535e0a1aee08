"""Blackouts: closing a resource for a span, listing and removing them."""

from datetime import UTC, datetime, timedelta

import pytest

from booking.services import blackouts as blackout_service
from booking.services import catalogue
from booking.services.errors import Forbidden, InvalidInput
from tests.catalogue_factories import make_network_admin
from tests.factories import (
    make_resource,
    make_user,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_manager_adds_and_removes_a_blackout(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    blackout = blackout_service.create_blackout(
        manager, resource.id, start=NOW, end=NOW + timedelta(days=1), reason="Service", now=NOW
    )
    assert blackout_service.list_blackouts(manager, resource.id) == [blackout]
    blackout_service.delete_blackout(manager, blackout.id, now=NOW)
    assert blackout_service.list_blackouts(manager, resource.id) == []


def test_a_blackout_needs_aware_times_and_an_end_after_its_start(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as naive:
        blackout_service.create_blackout(
            manager, resource.id, start=datetime(2026, 12, 1), end=NOW, now=NOW
        )
    assert set(naive.value.errors) == {"start"}
    with pytest.raises(InvalidInput) as backwards:
        blackout_service.create_blackout(manager, resource.id, start=NOW, end=NOW, now=NOW)
    assert set(backwards.value.errors) == {"end"}


def test_upcoming_blackouts_include_those_of_the_joint_lab_around(app):
    lab = make_resource(kind="joint_lab")
    inside = make_resource(lab.organisation, parent_id=lab.id)
    admin = make_network_admin()
    closure = blackout_service.create_blackout(
        admin, lab.id, start=NOW, end=NOW + timedelta(hours=2), now=NOW
    )
    assert blackout_service.upcoming_blackouts(inside, now=NOW) == [closure]


def test_a_member_may_not_remove_a_blackout(app):
    resource = make_resource()
    blackout = blackout_service.create_blackout(
        make_network_admin(), resource.id, start=NOW, end=NOW + timedelta(hours=1), now=NOW
    )
    with pytest.raises(Forbidden):
        blackout_service.delete_blackout(make_user(), blackout.id, now=NOW)


def test_a_local_time_skipped_by_the_clock_change_is_refused(app):
    resource = make_resource(timezone="Europe/Rome")
    with pytest.raises(ValueError):
        catalogue.local_instant(resource, datetime(2026, 3, 29, 2, 30))
    assert catalogue.local_instant(resource, datetime(2026, 7, 1, 10, 0)).utcoffset() == timedelta(
        hours=2
    )
