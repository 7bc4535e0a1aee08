"""Helpers for the calendar export tests: reading what the platform writes, with several parsers."""

import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import event

from booking.extensions import db

JS_DIR = Path(__file__).resolve().parent / "js"


def vevents(body: bytes) -> list:
    """The VEVENTs of an iCalendar body, read with the icalendar library."""
    return list(Calendar.from_ical(body).walk("VEVENT"))


def by_uid(body: bytes) -> dict:
    return {str(e["UID"]): e for e in vevents(body)}


def booking_events(body: bytes) -> list:
    """The VEVENTs of bookings, without the public holidays that resource feeds show too."""
    return [e for e in vevents(body) if str(e["UID"]).startswith("booking-")]


def bookings_by_uid(body: bytes) -> dict:
    return {str(e["UID"]): e for e in booking_events(body)}


def holiday_events(body: bytes) -> dict:
    """The public holidays of a resource feed, by their local date (YYYYMMDD in the UID)."""
    return {
        str(e["UID"]).split("-")[2].split("@")[0]: e
        for e in vevents(body)
        if str(e["UID"]).startswith("holiday-")
    }


def read_with_vobject(body: bytes) -> list:
    """The VEVENTs as vobject (an independent parser) reads them."""
    return list(vobject.readOne(body.decode()).vevent_list)


def read_with_ical_js(body: bytes) -> dict:
    """The calendar as Mozilla's ical.js (Thunderbird's engine) reads it, under Node.

    Skipped only on a developer's machine without Node; in CI (CI set) a missing Node or a
    missing `npm ci --prefix tests/js` is a failure, so that the check cannot silently vanish.
    """
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is required in CI to check the feeds with ical.js")
        pytest.skip("Node.js is not installed")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/js`")
    completed = subprocess.run(
        [node, str(JS_DIR / "parse.mjs"), "Europe/Rome"],
        input=body,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return json.loads(completed.stdout)


@contextmanager
def statements():
    """Collect the SQL statements run inside the block."""
    seen: list[str] = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", collect)
