"""Pilot-plant trial requests: asking with a window, the free slots that fit, scheduling on behalf
of the requester, declining and withdrawing."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, BookingAudit
from booking.services import trials
from booking.services.booking import BookingInput, create_bookings
from booking.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.services.transaction import ResourceBusy
from booking.services.violations import BookingRefused
from tests.booking_factories import NOW, book, codes, rome
from tests.catalogue_factories import make_network_admin, make_org_admin
from tests.factories import make_organisation, make_qualification, make_resource, make_user
from tests.requests_factories import (
    EARLIEST,
    LATEST,
    make_pilot,
    make_trial,
    pilot_with_requester,
)
from tests.smtp import queued


@pytest.fixture
def pilot(app):
    return pilot_with_requester()


def refused_fields(error) -> set[str]:
    return set(error.value.errors)


def listed(query) -> list[int]:
    return [trial.id for trial in db.session.execute(query).scalars()]


# --- Asking -------------------------------------------------------------------------------------


def test_a_request_is_recorded_open_with_its_window_and_needs(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    assert trial.status == "open"
    assert (trial.earliest_start, trial.latest_end, trial.duration_minutes) == (
        EARLIEST,
        LATEST,
        240,
    )
    assert (trial.requester_id, trial.organisation_id) == (
        pilot.requester.id,
        pilot.requester.organisation_id,
    )
    assert trial.materials == "20 kg of flakes"
    assert trial.attachments == ["https://example.org/spec.pdf"]


def test_only_pilot_installations_take_trial_requests(pilot):
    instrument = make_resource(pilot.owner, kind="instrument")
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, instrument)
    assert refused_fields(error) == {"resource_id"}


def test_an_invisible_pilot_installation_cannot_be_asked_for(pilot):
    hidden = make_pilot(organisation=pilot.owner, visibility="organisation")
    with pytest.raises(NotFound):
        make_trial(pilot.requester, hidden)


def test_the_window_must_hold_the_duration(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, latest_end=EARLIEST + timedelta(hours=3))
    assert refused_fields(error) == {"duration_minutes"}


def test_the_window_must_not_have_begun(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, earliest_start=NOW - timedelta(hours=1))
    assert refused_fields(error) == {"earliest_start"}


def test_the_window_must_end_after_it_starts(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, latest_end=EARLIEST)
    assert refused_fields(error) == {"latest_end"}


def test_the_window_must_lie_within_the_booking_horizon(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, latest_end=NOW + timedelta(days=366))
    assert refused_fields(error) == {"latest_end"}


def test_window_times_without_an_offset_are_refused(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(
            pilot.requester,
            pilot.resource,
            earliest_start=datetime(2026, 12, 2, 8),
            latest_end=datetime(2026, 12, 4, 18),
        )
    assert refused_fields(error) == {"earliest_start", "latest_end"}


def test_the_duration_must_be_a_whole_number_of_slots(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, duration_minutes=90)
    assert refused_fields(error) == {"duration_minutes"}


def test_the_duration_must_respect_the_longest_booking(app):
    pilot = pilot_with_requester(max_duration_minutes=120)
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, duration_minutes=180)
    assert refused_fields(error) == {"duration_minutes"}


def test_attachments_must_be_web_links(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(
            pilot.requester,
            pilot.resource,
            attachments=("https://example.org/ok.pdf", "javascript:alert(1)"),
        )
    assert refused_fields(error) == {"attachments"}


def test_at_most_ten_attachments_are_taken(pilot):
    links = tuple(f"https://example.org/{n}.pdf" for n in range(11))
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, attachments=links)
    assert refused_fields(error) == {"attachments"}


def test_every_invalid_field_is_reported_at_once(pilot):
    with pytest.raises(InvalidInput) as error:
        make_trial(pilot.requester, pilot.resource, title=" ", duration_minutes=0)
    assert refused_fields(error) == {"title", "duration_minutes"}


# --- Reading ------------------------------------------------------------------------------------


def test_requesters_list_their_own_requests_newest_first(pilot):
    first = make_trial(pilot.requester, pilot.resource)
    second = make_trial(pilot.requester, pilot.resource, now=NOW + timedelta(minutes=1))
    make_trial(make_user(), pilot.resource)
    assert listed(trials.my_trials(pilot.requester)) == [second.id, first.id]


def test_managers_list_open_requests_first_then_by_earliest_start(pilot):
    late = make_trial(pilot.requester, pilot.resource, earliest_start=rome(2026, 12, 3, 8))
    early = make_trial(pilot.requester, pilot.resource)
    declined = make_trial(pilot.requester, pilot.resource)
    trials.decline(pilot.manager, declined.id, "No capacity", now=NOW)
    assert listed(trials.trials_for_managers(pilot.manager)) == [early.id, late.id, declined.id]


def test_managers_list_only_the_resources_they_manage(pilot):
    elsewhere = make_pilot()
    make_trial(pilot.requester, elsewhere)
    mine = make_trial(pilot.requester, pilot.resource)
    assert listed(trials.trials_for_managers(pilot.manager)) == [mine.id]
    assert listed(trials.trials_for_managers(pilot.requester)) == []


def test_listing_one_resource_is_for_its_managers(pilot):
    mine = make_trial(pilot.requester, pilot.resource)
    assert listed(trials.trials_for_managers(pilot.manager, resource_id=pilot.resource.id)) == [
        mine.id
    ]
    with pytest.raises(Forbidden):
        trials.trials_for_managers(pilot.requester, resource_id=pilot.resource.id)


def test_a_request_is_seen_by_its_requester_and_the_managers_only(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    assert trials.get_trial(pilot.requester, trial.id).id == trial.id
    assert trials.get_trial(pilot.manager, trial.id).id == trial.id
    assert trials.get_trial(make_org_admin(pilot.owner), trial.id).id == trial.id
    with pytest.raises(NotFound):
        trials.get_trial(make_user(pilot.requester.organisation), trial.id)


# --- Candidate slots ----------------------------------------------------------------------------


def test_the_slots_are_the_free_times_of_the_window_that_fit(pilot):
    book(pilot.manager, pilot.resource, rome(2026, 12, 2, 8), rome(2026, 12, 2, 10))
    trial = make_trial(pilot.requester, pilot.resource)
    found = trials.candidate_slots(pilot.manager, trial.id, now=NOW)
    assert found.slots[:3] == [
        (rome(2026, 12, 2, 10), rome(2026, 12, 2, 14)),
        (rome(2026, 12, 2, 14), rome(2026, 12, 2, 18)),
        (rome(2026, 12, 3, 8), rome(2026, 12, 3, 12)),
    ]
    assert all(start >= EARLIEST and end <= LATEST for start, end in found.slots)
    assert not found.window_truncated


def test_a_window_longer_than_the_search_is_searched_from_its_start(pilot):
    trial = make_trial(pilot.requester, pilot.resource, latest_end=EARLIEST + timedelta(days=60))
    found = trials.candidate_slots(pilot.manager, trial.id, now=NOW)
    assert found.window_truncated
    assert (found.searched_from, found.searched_until) == (
        EARLIEST,
        EARLIEST + timedelta(days=trials.SEARCH_DAYS),
    )
    assert found.slots


def test_the_part_of_the_window_already_past_is_skipped(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    later = rome(2026, 12, 3, 12, 30)
    found = trials.candidate_slots(pilot.manager, trial.id, now=later)
    assert found.searched_from == later
    assert found.slots[0] == (rome(2026, 12, 3, 13), rome(2026, 12, 3, 17))


def test_a_window_that_has_passed_has_no_slots(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    found = trials.candidate_slots(pilot.manager, trial.id, now=LATEST + timedelta(hours=1))
    assert found.slots == []


def test_only_managers_see_the_slots(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(Forbidden):
        trials.candidate_slots(pilot.requester, trial.id, now=NOW)


def test_a_decided_request_has_no_slots_to_offer(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    trials.decline(pilot.manager, trial.id, "No", now=NOW)
    with pytest.raises(Conflict):
        trials.candidate_slots(pilot.manager, trial.id, now=NOW)


# --- Scheduling ---------------------------------------------------------------------------------


def test_scheduling_books_the_trial_for_the_requester_confirmed(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    scheduled = trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)
    booking = scheduled.booking
    assert (scheduled.status, scheduled.decided_by_id) == ("scheduled", pilot.manager.id)
    assert (booking.start_at, booking.end_at) == (rome(2026, 12, 3, 9), rome(2026, 12, 3, 13))
    assert (booking.requester_id, booking.organisation_id, booking.status) == (
        pilot.requester.id,
        pilot.requester.organisation_id,
        "confirmed",
    )
    assert booking.title == "Extrusion trial"


def test_the_scheduled_booking_is_priced_for_the_requesters_organisation(app):
    pilot = pilot_with_requester(rate_industry=100, rate_internal=10)
    trial = make_trial(pilot.requester, pilot.resource)
    booking = trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW).booking
    assert booking.rate_category == "industry"
    assert booking.price_estimate == 400


def test_the_booking_records_the_manager_as_its_creator(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    booking = trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW).booking
    (entry,) = db.session.execute(
        select(BookingAudit).where(BookingAudit.booking_id == booking.id)
    ).scalars()
    assert (entry.action, entry.actor_id) == ("created", pilot.manager.id)


def test_an_organisation_admin_of_the_owner_may_schedule(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    admin = make_org_admin(pilot.owner)
    assert trials.schedule(admin, trial.id, rome(2026, 12, 3, 9), now=NOW).status == "scheduled"


def test_a_network_admin_may_schedule(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    admin = make_network_admin()
    assert trials.schedule(admin, trial.id, rome(2026, 12, 3, 9), now=NOW).status == "scheduled"


def test_the_trial_must_stay_inside_its_window(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(InvalidInput) as error:
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 4, 15), now=NOW)
    assert refused_fields(error) == {"start"}


def test_a_start_without_an_offset_is_refused(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(InvalidInput):
        trials.schedule(pilot.manager, trial.id, datetime(2026, 12, 3, 9), now=NOW)


def test_a_busy_slot_is_refused_with_its_violations_and_the_request_stays_open(pilot):
    book(pilot.manager, pilot.resource, rome(2026, 12, 3, 10), rome(2026, 12, 3, 11))
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(BookingRefused) as refusal:
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)
    assert codes(refusal) == ["overlap"]
    assert trials.get_trial(pilot.manager, trial.id).status == "open"


def test_the_requester_must_hold_the_qualification_even_when_a_manager_schedules(app):
    pilot = pilot_with_requester(requires_qualification=True)
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(BookingRefused) as refusal:
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)
    assert codes(refusal) == ["not_qualified"]


def test_a_qualified_requester_is_scheduled_on_a_resource_requiring_training(app):
    pilot = pilot_with_requester(requires_qualification=True)
    make_qualification(pilot.resource, pilot.requester)
    trial = make_trial(pilot.requester, pilot.resource)
    assert trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW).booking


def test_the_requesters_quota_applies(app):
    pilot = pilot_with_requester(monthly_quota_hours=2)
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(BookingRefused) as refusal:
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)
    assert codes(refusal) == ["quota"]


def test_the_requester_cannot_schedule_their_own_request(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(Forbidden):
        trials.schedule(pilot.requester, trial.id, rome(2026, 12, 3, 9), now=NOW)


def test_a_stranger_cannot_find_the_request_to_schedule(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(NotFound):
        trials.schedule(make_user(), trial.id, rome(2026, 12, 3, 9), now=NOW)


def test_a_request_is_scheduled_once(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)
    with pytest.raises(Conflict):
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 4, 9), now=NOW)


def test_a_request_withdrawn_while_it_is_being_booked_gets_no_booking_and_no_mail(
    app, pilot, monkeypatch
):
    trial = make_trial(pilot.requester, pilot.resource)
    real_create = trials.create_bookings
    withdrew = []

    def withdrawn_by_another_request_meanwhile(*args, **kwargs):
        def withdraw():
            with app.app_context():
                try:
                    trials.withdraw(pilot.requester, trial.id, now=NOW)
                    withdrew.append(True)
                except ResourceBusy:
                    # SQLite: the scheduling holds the database's write lock until it is done.
                    withdrew.append(False)
                finally:
                    db.session.remove()

        requester_side = threading.Thread(target=withdraw)
        requester_side.start()
        requester_side.join()
        return real_create(*args, **kwargs)

    monkeypatch.setitem(app.config, "BOOKING_LOCK_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(trials, "create_bookings", withdrawn_by_another_request_meanwhile)
    if db.engine.dialect.name == "sqlite":
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)
        assert withdrew == [False]
        assert trials.get_trial(pilot.requester, trial.id).status == "scheduled"
        return
    with pytest.raises(Conflict):
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)

    assert withdrew == [True]
    assert db.session.execute(select(Booking)).scalars().all() == []
    assert trials.get_trial(pilot.requester, trial.id).status == "withdrawn"
    assert {mail.kind for mail in queued()} == {"trial_request", "trial_withdrawn"}


def test_booking_on_behalf_of_someone_is_for_the_resources_managers(pilot):
    other = make_user(pilot.owner)
    with pytest.raises(Forbidden):
        create_bookings(
            other,
            BookingInput(
                resource_id=pilot.resource.id,
                start=rome(2026, 12, 3, 9),
                end=rome(2026, 12, 3, 10),
                title="For someone else",
            ),
            now=NOW,
            on_behalf_of=pilot.requester,
        )


# --- Declining and withdrawing ------------------------------------------------------------------


def test_declining_keeps_the_reason_for_the_requester(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    declined = trials.decline(pilot.manager, trial.id, "The line is down in December", now=NOW)
    seen = trials.get_trial(pilot.requester, declined.id)
    assert (seen.status, seen.decision_reason, seen.decided_by_id) == (
        "declined",
        "The line is down in December",
        pilot.manager.id,
    )


def test_declining_needs_a_reason(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(InvalidInput) as error:
        trials.decline(pilot.manager, trial.id, "  ", now=NOW)
    assert refused_fields(error) == {"reason"}


def test_the_requester_cannot_decline(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(Forbidden):
        trials.decline(pilot.requester, trial.id, "No", now=NOW)


def test_the_requester_withdraws_an_open_request(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    assert trials.withdraw(pilot.requester, trial.id, now=NOW).status == "withdrawn"


def test_a_manager_cannot_withdraw_someone_elses_request(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    with pytest.raises(Forbidden):
        trials.withdraw(pilot.manager, trial.id, now=NOW)


def test_a_scheduled_request_cannot_be_withdrawn(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)
    with pytest.raises(Conflict):
        trials.withdraw(pilot.requester, trial.id, now=NOW)


def test_a_withdrawn_request_cannot_be_scheduled(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    trials.withdraw(pilot.requester, trial.id, now=NOW)
    with pytest.raises(Conflict):
        trials.schedule(pilot.manager, trial.id, rome(2026, 12, 3, 9), now=NOW)


def test_the_timestamps_follow_the_decision(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    later = NOW + timedelta(hours=2)
    withdrawn = trials.withdraw(pilot.requester, trial.id, now=later)
    assert withdrawn.updated_at == later
    assert withdrawn.created_at == NOW.astimezone(UTC)


def test_requests_of_another_organisation_member_stay_invisible(pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    colleague = make_user(make_organisation())
    with pytest.raises(NotFound):
        trials.withdraw(colleague, trial.id, now=NOW)
