"""Weekly opening hours: reading, replacing, refusing bad schedules."""

from datetime import UTC, datetime

import pytest

from booking.services import opening_hours as hours_service
from booking.services.errors import Forbidden, InvalidInput
from tests.factories import (
    make_resource,
    make_user,
    set_opening_hours,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_opening_hours_are_stored_and_read_back_in_the_same_shape(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    weekly = {"mon": [["08:00", "12:00"], ["14:00", "18:00"]], "sat": [["20:00", "24:00"]]}
    saved = hours_service.set_opening_hours(manager, resource.id, weekly, now=NOW)
    assert saved["mon"] == [["08:00", "12:00"], ["14:00", "18:00"]]
    assert saved["sat"] == [["20:00", "24:00"]]
    assert saved["tue"] == [] and saved["sun"] == []
    assert hours_service.get_opening_hours(None, resource.id) == saved


def test_overlapping_ranges_of_a_day_are_refused(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        hours_service.set_opening_hours(
            manager, resource.id, {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}, now=NOW
        )
    assert set(error.value.errors) == {"weekly.mon"}


def test_a_range_must_end_after_it_starts(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        hours_service.set_opening_hours(
            manager,
            resource.id,
            {"tue": [["18:00", "08:00"]], "wed": [["24:00", "24:00"]], "xyz": []},
            now=NOW,
        )
    assert set(error.value.errors) == {"weekly.tue", "weekly.wed", "weekly.xyz"}


def test_an_empty_schedule_opens_the_resource_at_all_hours(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    set_opening_hours(resource, {0: [("08:00", "18:00")]})
    hours_service.set_opening_hours(manager, resource.id, {}, now=NOW)
    assert resource.opening_hours == []


def test_a_member_may_not_set_opening_hours(app):
    resource = make_resource()
    with pytest.raises(Forbidden):
        hours_service.set_opening_hours(make_user(), resource.id, {}, now=NOW)
