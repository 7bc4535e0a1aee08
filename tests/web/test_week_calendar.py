"""The week calendar of a resource: seven local days, hours in rows, busy / requested / closed / free."""

import re

from booking.models import Resource
from tests.accounts_factories import log_in
from tests.booking_factories import book, make_worked_example_resource, rome
from tests.factories import make_organisation, make_resource, make_user


def cell(html: str, day: str, row: str) -> tuple[str, str]:
    """The classes and the content of the calendar cell of a local day and hour row."""
    match = re.search(
        rf'<td data-date="{day}" data-row="{row}" class="([^"]*)">(.*?)</td>', html, re.S
    )
    assert match, f"no cell for {day} {row}"
    return match.group(1), match.group(2)


def states(content: str) -> list[str]:
    return re.findall(r'data-state="(\w+)"', content)


def column_segments(html: str, day: str) -> int:
    cells = re.findall(
        rf'<td data-date="{day}" data-row="[^"]*" class="[^"]*">(.*?)</td>', html, re.S
    )
    return sum(len(states(content)) for content in cells)


def week_of(client, resource: Resource, start: str | None = None) -> str:
    query = f"?start={start}" if start else ""
    response = client.get(f"/resources/{resource.id}/week{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def open_all_hours() -> Resource:
    return make_resource(slot_minutes=30, min_duration_minutes=30, approval="none")


def test_own_bookings_are_busy_with_their_title(client, frozen_now):
    r = make_worked_example_resource()
    member = make_user(r.organisation)
    book(member, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), title="Own run")
    log_in(client, member)
    _, content = cell(week_of(client, r), "2026-12-02", "09:00")
    assert states(content) == ["busy", "busy"]
    assert "Own run" in content


def test_pending_requests_are_shown_as_requested(client, frozen_now):
    r = make_worked_example_resource(approval="always")
    member = make_user(r.organisation)
    book(member, r, rome(2026, 12, 3, 11), rome(2026, 12, 3, 12), title="Awaiting")
    log_in(client, member)
    _, content = cell(week_of(client, r), "2026-12-03", "11:00")
    assert states(content) == ["requested", "requested"]
    assert "Awaiting" in content


def test_outside_opening_hours_is_closed_and_inside_is_free(client, frozen_now):
    r = make_worked_example_resource()
    log_in(client, make_user(r.organisation))
    html = week_of(client, r)
    assert states(cell(html, "2026-12-05", "10:00")[1]) == ["closed", "closed"]
    assert states(cell(html, "2026-12-02", "14:00")[1]) == ["free", "free"]


def test_the_time_already_gone_today_is_closed(client, frozen_now):
    r = make_worked_example_resource()
    log_in(client, make_user(r.organisation))
    _, content = cell(week_of(client, r), "2026-12-01", "08:00")
    assert states(content) == ["closed", "closed"]
    assert "Past" in content


def test_the_cleaning_time_after_a_booking_is_not_free(client, frozen_now):
    r = make_worked_example_resource()
    member = make_user(r.organisation)
    book(member, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    log_in(client, member)
    _, content = cell(week_of(client, r), "2026-12-02", "10:00")
    assert states(content) == ["blocked", "free"]


def test_other_organisations_bookings_show_only_as_busy(client, frozen_now):
    r = make_resource(slot_minutes=30, min_duration_minutes=30, approval="none")
    book(make_user(), r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), title="Secret project")
    log_in(client, make_user())
    html = week_of(client, r)
    _, content = cell(html, "2026-12-02", "09:00")
    assert states(content) == ["busy", "busy"]
    assert "Busy" in content
    assert "Secret project" not in html


def test_a_free_slot_opens_the_booking_form_prefilled(client, frozen_now):
    r = make_worked_example_resource()
    log_in(client, make_user(r.organisation))
    _, content = cell(week_of(client, r), "2026-12-02", "14:00")
    link = re.search(r'href="([^"]+)" data-time="14:00"', content).group(1).replace("&amp;", "&")
    assert link == f"/resources/{r.id}/book?date=2026-12-02&start=14:00&end=14:30"
    form = client.get(link).get_data(as_text=True)
    assert 'name="date" required type="date" value="2026-12-02"' in form
    assert 'value="14:00"' in form and 'value="14:30"' in form


def test_the_week_runs_from_the_monday_of_the_given_day(client, frozen_now):
    r = make_worked_example_resource()
    log_in(client, make_user(r.organisation))
    html = week_of(client, r, "2026-12-03")
    days = re.findall(r'<th scope="col" data-date="([\d-]+)"', html)
    assert days == [
        f"2026-{m}-{d}" for m, d in [("11", "30")] + [("12", f"0{n}") for n in range(1, 7)]
    ]


def test_a_day_beyond_the_calendar_shows_the_current_week(client, frozen_now):
    r = make_worked_example_resource()
    log_in(client, make_user(r.organisation))
    html = week_of(client, r, "9999-12-31")
    assert re.search(r'<th scope="col" data-date="([\d-]+)"', html).group(1) == "2026-11-30"


def test_previous_and_next_week_links(client, frozen_now):
    r = make_worked_example_resource()
    log_in(client, make_user(r.organisation))
    html = week_of(client, r, "2026-12-03")
    assert f'rel="prev" href="/resources/{r.id}/week?start=2026-11-23"' in html
    assert f'rel="next" href="/resources/{r.id}/week?start=2026-12-07"' in html


def test_today_is_marked(client, frozen_now):
    r = make_worked_example_resource()
    log_in(client, make_user(r.organisation))
    html = week_of(client, r)
    assert '<th scope="col" data-date="2026-12-01" class="today" aria-current="date">' in html
    assert "today" not in cell(html, "2026-12-02", "09:00")[0]


def test_the_week_with_the_spring_change_has_a_23_hour_sunday(client, frozen_now):
    r = open_all_hours()
    member = make_user(r.organisation)
    for day in (27, 28):  # Saturday before, Sunday of the change to summer time
        book(member, r, rome(2027, 3, day, 9), rome(2027, 3, day, 10))
    log_in(client, member)
    html = week_of(client, r, "2027-03-22")
    for day in ("2027-03-27", "2027-03-28"):
        assert states(cell(html, day, "09:00")[1]) == ["busy", "busy"]
        assert "busy" not in states(cell(html, day, "08:00")[1])
        assert "busy" not in states(cell(html, day, "10:00")[1])
    classes, content = cell(html, "2027-03-28", "02:00")
    assert "skipped" in classes and states(content) == []
    assert column_segments(html, "2027-03-27") == 48
    assert column_segments(html, "2027-03-28") == 46


def test_a_booking_after_the_spring_change_keeps_its_local_hour(client, frozen_now):
    r = open_all_hours()
    member = make_user(r.organisation)
    book(member, r, rome(2027, 3, 26, 9), rome(2027, 3, 26, 10))
    # Tuesday: Monday 29 March 2027 is Easter Monday.
    book(member, r, rome(2027, 3, 30, 9), rome(2027, 3, 30, 10))
    log_in(client, member)
    before, after = week_of(client, r, "2027-03-22"), week_of(client, r, "2027-03-29")
    assert states(cell(before, "2027-03-26", "09:00")[1]) == ["busy", "busy"]
    assert states(cell(after, "2027-03-30", "09:00")[1]) == ["busy", "busy"]


def test_the_week_with_the_autumn_change_has_a_25_hour_sunday(client, frozen_now):
    r = open_all_hours()
    member = make_user(r.organisation)
    for day in (30, 31):  # Saturday before, Sunday of the change back to winter time
        book(member, r, rome(2027, 10, day, 9), rome(2027, 10, day, 10))
    log_in(client, member)
    html = week_of(client, r, "2027-10-25")
    for day in ("2027-10-30", "2027-10-31"):
        assert states(cell(html, day, "09:00")[1]) == ["busy", "busy"]
        assert "busy" not in states(cell(html, day, "10:00")[1])
    classes, content = cell(html, "2027-10-31", "02:00")
    assert "repeated" in classes and len(states(content)) == 4
    assert column_segments(html, "2027-10-31") == 50


def test_an_invisible_resource_is_not_found(client, frozen_now):
    r = make_worked_example_resource(visibility="organisation")
    log_in(client, make_user(make_organisation()))
    assert client.get(f"/resources/{r.id}/week").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, frozen_now):
    r = make_worked_example_resource()
    response = client.get(f"/resources/{r.id}/week")
    assert response.status_code == 302
    assert response.location.startswith("/login")
