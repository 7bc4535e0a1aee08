"""The README's API examples work as written against the demo network."""

import re
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from booking.demo import load_demo_network
from booking.extensions import db
from booking.models import Booking
from tests.conftest import FROZEN_NOW

README = Path(__file__).resolve().parent.parent / "README.md"
# Every call fails the script on an HTTP error, which the README's plain `curl -s` would print.
STRICT_CURL = (
    'set -euo pipefail\ncurl() { command curl --silent --show-error --fail-with-body "$@"; }\n'
)


def api_examples() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- api-examples -->\n```sh\n(.*?)```", text, re.S)
    assert match, "the README has lost its marked API examples"
    return match.group(1)


def test_the_readme_api_examples_run_against_the_demo(app, live_server):
    load_demo_network(FROZEN_NOW)
    db.session.commit()
    result = subprocess.run(
        ["bash", "-c", STRICT_CURL + api_examples()],
        env={
            "API": f"{live_server}/api/v1",
            "FROM": FROZEN_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    statuses = dict(
        db.session.execute(select(Booking.status, func.count()).group_by(Booking.status)).all()
    )
    # The rig's booking was made, moved and cancelled; the series booked what fits.
    assert statuses.get("cancelled") == 1
    assert statuses.get("confirmed", 0) >= 6
