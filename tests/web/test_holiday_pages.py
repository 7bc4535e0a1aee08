"""Public holidays on the pages: the resource's planned closures, the managers' openings next to the
blackouts, the week calendar and the booking form, in the reader's language."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import HolidayOpening
from tests.accounts_factories import log_in
from tests.booking_factories import make_worked_example_resource
from tests.factories import make_holiday_opening, make_organisation, make_resource, make_user

ITALIAN = {"Accept-Language": "it-IT,it;q=0.9"}


@pytest.fixture
def manager(app, frozen_now):
    return make_user(make_organisation(city="Modena"))


@pytest.fixture
def resource(manager):
    """Mon–Fri 08:00–18:00 in Rome, in Modena."""
    return make_worked_example_resource(
        organisation=manager.organisation, city="Modena", managers=[manager]
    )


def holidays_section(html: str) -> str:
    return html.split('id="holidays"')[1].split("</section>")[0]


def page(client, url: str, headers=None) -> str:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- The resource's page ------------------------------------------------------------------------


def test_the_resource_page_lists_the_coming_holidays_of_its_municipality(client, resource):
    section = holidays_section(page(client, f"/resources/{resource.id}"))
    assert "Christmas Day" in section
    assert "St Geminianus, patron saint of Modena" in section
    assert "St Prosper" not in section
    # The coming year only: 8 December 2026 is the first, 1 November 2027 the last.
    assert section.index("Immaculate Conception") < section.index("Christmas Day")
    assert "Tue 8 Dec 2026" in section


def test_the_resource_page_names_the_holidays_in_italian_for_an_italian_reader(client, resource):
    section = holidays_section(page(client, f"/resources/{resource.id}", ITALIAN))
    assert "Natale" in section and "San Geminiano, patrono di Modena" in section
    assert "Christmas Day" not in section


def test_the_resource_page_marks_a_holiday_it_is_opened_on(client, resource):
    make_holiday_opening(resource, date(2026, 12, 26))
    section = holidays_section(page(client, f"/resources/{resource.id}"))
    stephen = section.split("St Stephen&#39;s Day")[1].split("</li>")[0]
    assert "Open that day" in stephen
    christmas = section.split("Christmas Day")[1].split("</li>")[0]
    assert "Open that day" not in christmas


# --- The managers' page -------------------------------------------------------------------------


def test_the_blackouts_page_lists_the_holidays_with_a_button_to_open_each(
    client, manager, resource
):
    log_in(client, manager)
    section = holidays_section(page(client, f"/manage/resources/{resource.id}/blackouts"))
    assert "Christmas Day" in section
    assert f"/manage/resources/{resource.id}/holidays/2026-12-25/open" in section
    assert "Open on this day" in section and "Close again" not in section


def test_a_manager_opens_a_holiday_and_closes_it_again(client, manager, resource):
    log_in(client, manager)
    response = client.post(f"/manage/resources/{resource.id}/holidays/2026-12-25/open")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/manage/resources/{resource.id}/blackouts#holidays"
    )
    opening = db.session.execute(select(HolidayOpening)).scalar_one()
    assert (opening.resource_id, opening.day) == (resource.id, date(2026, 12, 25))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The resource is open on that day" in html
    assert f"/manage/holiday-openings/{opening.id}/close" in holidays_section(html)

    response = client.post(f"/manage/holiday-openings/{opening.id}/close")
    assert response.status_code == 302
    assert db.session.execute(select(HolidayOpening)).first() is None


def test_a_day_that_is_no_holiday_there_is_not_opened(client, manager, resource):
    log_in(client, manager)
    response = client.post(
        f"/manage/resources/{resource.id}/holidays/2027-11-24/open", follow_redirects=True
    )
    assert "Only a public holiday of the resource&#39;s municipality" in response.get_data(
        as_text=True
    )
    assert db.session.execute(select(HolidayOpening)).first() is None
    bad = client.post(f"/manage/resources/{resource.id}/holidays/christmas/open")
    assert bad.status_code == 404


def test_a_plain_member_may_not_open_or_close_a_holiday(client, resource):
    opening = make_holiday_opening(resource, date(2026, 12, 26))
    log_in(client, make_user(resource.organisation))
    url = f"/manage/resources/{resource.id}/holidays/2026-12-25/open"
    assert client.post(url).status_code == 403
    assert client.post(f"/manage/holiday-openings/{opening.id}/close").status_code == 403
    assert [o.day for o in db.session.execute(select(HolidayOpening)).scalars()] == [
        date(2026, 12, 26)
    ]


def test_later_holidays_are_a_link_away(client, manager, resource):
    log_in(client, manager)
    html = page(client, f"/manage/resources/{resource.id}/blackouts")
    later = re.search(r'href="([^"]*holidays_from=[^"#]*)#holidays" rel="next"', html).group(1)
    section = holidays_section(page(client, later.replace("&amp;", "&")))
    assert "Christmas Day" in section and "Wed 1 Dec 2027" not in section
    assert "Mon 25 Dec 2028" not in section and "Sat 25 Dec 2027" in section


def test_a_joint_labs_page_says_its_instruments_keep_their_own_holidays(client, manager):
    lab = make_resource(manager.organisation, kind="joint_lab", managers=[manager])
    log_in(client, manager)
    html = page(client, f"/manage/resources/{lab.id}/blackouts")
    assert "keep their own holidays" in holidays_section(html)


# --- The week calendar and the booking form -----------------------------------------------------


def test_the_week_calendar_shows_the_holiday_closed_by_name(client, manager, resource):
    log_in(client, manager)
    html = page(client, f"/resources/{resource.id}/week?start=2026-12-21")
    christmas = re.search(
        r'<td data-date="2026-12-25" data-row="10:00" class="[^"]*">(.*?)</td>', html, re.S
    ).group(1)
    assert 'data-state="closed"' in christmas and "Closed: Christmas Day" in christmas
    eve = re.search(
        r'<td data-date="2026-12-24" data-row="10:00" class="[^"]*">(.*?)</td>', html, re.S
    ).group(1)
    assert 'data-state="free"' in eve


def test_the_week_calendar_names_the_holiday_in_italian(client, resource):
    italian = make_user(resource.organisation, locale="it")
    log_in(client, italian)
    html = page(client, f"/resources/{resource.id}/week?start=2026-12-21")
    assert "Chiuso: Natale" in html


def test_the_booking_form_refuses_a_holiday_naming_it(client, manager, resource):
    log_in(client, manager)
    response = client.post(
        f"/resources/{resource.id}/book",
        data={"date": "2027-01-31", "start": "09:00", "end": "10:00", "title": "Run"},
    )
    # 31 January 2027 is a Sunday: closed by the opening hours and by San Geminiano.
    html = response.get_data(as_text=True)
    assert "The resource is closed for a public holiday: St Geminianus" in html
