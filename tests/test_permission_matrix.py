"""Who may do what through the API: every endpoint of /api/v1 × every role, allowed and refused.

One row per endpoint (resource endpoints twice: on a network-visible resource, where outsiders
are refused with 403, and on an organisation-only one, which must stay invisible to them: 404).
Each row gives the status class that each role gets, in the order of ROLES:

    anonymous, member of the owner organisation, member of another organisation (who made the
    booking, the pending request, the trial request and the training request of the scenario,
    and holds its qualification), manager of the resources, organisation admin of the owner,
    organisation admin of the other organisation, network admin.

`2xx` is any success; a number is that exact status. A cell written `!403` is what the contract
(api-v1.md) asks for where the application answers otherwise today: it is asserted as an
expected failure (strict), so that the row is updated when either side changes.

A new endpoint without a row fails test_every_api_endpoint_has_a_row.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from booking.extensions import db
from booking.services import tokens
from tests.booking_factories import NOW, book, rome
from tests.factories import (
    PASSWORD,
    make_blackout,
    make_holiday_opening,
    make_organisation,
    make_qualification,
    make_user,
)
from tests.requests_factories import make_pilot, make_training_request, make_trial

ROLES = (
    "anonymous",
    "member",
    "outsider",
    "manager",
    "org_admin",
    "other_admin",
    "network_admin",
)
WINDOW = "start=2026-12-07T00:00:00Z&end=2026-12-12T00:00:00Z"
MONTH = "month=2026-12"


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # formatted with the scenario's ids
    expected: dict[str, str]
    body: dict[str, Any] | None = None  # string values formatted with the scenario's ids too
    # Succeeds once only (deletes, decides or takes something): each role allowed to do it needs
    # a scenario of its own.
    once: bool = False

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def row(
    method: str,
    path: str,
    cells: str,
    body: dict | None = None,
    *,
    once: bool = False,
) -> Row:
    values = cells.split()
    assert len(values) == len(ROLES), f"{method} {path}: one cell per role"
    expected = dict(zip(ROLES, values, strict=True))
    return Row(method, "/api/v1" + path, expected, body, once)


EVERYONE = "2xx 2xx 2xx 2xx 2xx 2xx 2xx"
USERS = "401 2xx 2xx 2xx 2xx 2xx 2xx"
NETWORK_ADMINS = "401 403 403 403 403 403 2xx"
# A network-visible resource: managers, the owner's admins and network admins manage it.
MANAGERS = "401 403 403 2xx 2xx 403 2xx"
# An organisation-only resource: invisible outside its owner organisation.
MANAGERS_PRIVATE = "401 403 404 2xx 2xx 404 2xx"
SEEN_PRIVATE = "401 2xx 404 2xx 2xx 404 2xx"
# What the member of another organisation asked for: theirs, and the resource's managers'.
REQUESTERS = "401 404 2xx 2xx 2xx 404 2xx"
# Deciding it: the requester sees it but may not decide (403); strangers do not see it (404).
DECIDERS = "401 404 403 2xx 2xx 404 2xx"

ROWS = [
    # Accounts
    row("POST", "/tokens", EVERYONE, {"email": "{member_email}", "password": PASSWORD}),
    row("DELETE", "/tokens/current", USERS),
    row("GET", "/me", USERS),
    row("POST", "/me/calendar-token", USERS),
    row("POST", "/me/resource-feed-token", USERS),
    row("GET", "/openapi.json", EVERYONE),
    row("GET", "/clusters", USERS),
    row("GET", "/organisations", USERS),
    row(
        "POST",
        "/organisations",
        NETWORK_ADMINS,
        {"name": "Matrix Srl {owner}", "type": "business", "city": "Modena"},
    ),
    row("GET", "/organisations/{owner}", USERS),
    row("PATCH", "/organisations/{owner}", NETWORK_ADMINS, {"city": "Parma"}),
    row("GET", "/users", "401 403 403 403 2xx 2xx 2xx"),
    row(
        "POST",
        "/users",
        "401 403 403 403 2xx 403 2xx",
        {
            "email": "new.person.{owner}@example.org",
            "name": "New Person",
            "password": "a long enough password",
            "organisation_id": "{owner}",
        },
        once=True,
    ),
    row("GET", "/users/{member}", "401 2xx 403 403 2xx 404 2xx"),
    row("PATCH", "/users/{member}", "401 403 403 403 2xx 404 2xx", {"name": "Renamed"}),
    # The catalogue
    row("GET", "/resources", USERS),
    row(
        "POST",
        "/resources",
        "401 403 403 403 2xx 403 2xx",
        {"name": "New line", "kind": "instrument", "organisation_id": "{owner}"},
    ),
    row("GET", "/resources/{shared}", USERS),
    row("GET", "/resources/{private}", SEEN_PRIVATE),
    row("PATCH", "/resources/{shared}", MANAGERS, {"description": "Changed"}),
    row("PATCH", "/resources/{private}", MANAGERS_PRIVATE, {"description": "Changed"}),
    row("GET", "/resources/{shared}/opening-hours", USERS),
    row("GET", "/resources/{private}/opening-hours", SEEN_PRIVATE),
    row(
        "PUT",
        "/resources/{shared}/opening-hours",
        MANAGERS,
        {"weekly": {"mon": [["08:00", "18:00"]]}},
    ),
    row(
        "PUT",
        "/resources/{private}/opening-hours",
        MANAGERS_PRIVATE,
        {"weekly": {"mon": [["08:00", "18:00"]]}},
    ),
    row(
        "GET",
        "/resources/{shared}/blackouts",
        "401 403 403 2xx 2xx 403 2xx",
    ),
    row(
        "GET",
        "/resources/{private}/blackouts",
        "401 403 404 2xx 2xx 404 2xx",
    ),
    row(
        "POST",
        "/resources/{shared}/blackouts",
        MANAGERS,
        {"start": "2026-12-14T08:00:00+01:00", "end": "2026-12-14T18:00:00+01:00"},
    ),
    row(
        "POST",
        "/resources/{private}/blackouts",
        MANAGERS_PRIVATE,
        {"start": "2026-12-14T08:00:00+01:00", "end": "2026-12-14T18:00:00+01:00"},
    ),
    row("DELETE", "/blackouts/{blackout}", MANAGERS, once=True),
    row("GET", "/resources/{shared}/holidays?year=2027", USERS),
    row("GET", "/resources/{private}/holidays", SEEN_PRIVATE),
    row("GET", "/resources/{shared}/holiday-openings", MANAGERS),
    row("GET", "/resources/{private}/holiday-openings", MANAGERS_PRIVATE),
    row("POST", "/resources/{shared}/holiday-openings", MANAGERS, {"date": "2027-01-06"}),
    row("POST", "/resources/{private}/holiday-openings", MANAGERS_PRIVATE, {"date": "2027-01-06"}),
    row("DELETE", "/holiday-openings/{opening}", MANAGERS, once=True),
    row("GET", "/resources/{shared}/qualifications", MANAGERS),
    row("GET", "/resources/{private}/qualifications", MANAGERS_PRIVATE),
    row("POST", "/resources/{shared}/qualifications", MANAGERS, {"user_id": "{member}"}),
    row("DELETE", "/qualifications/{qualification}", MANAGERS, once=True),
    row("GET", "/resources/{shared}/availability?" + WINDOW, USERS),
    row("GET", "/resources/{private}/availability?" + WINDOW, SEEN_PRIVATE),
    row("GET", "/availability?duration=60&" + WINDOW, USERS),
    row("GET", "/resources/{shared}/quota", USERS),
    row("GET", "/resources/{private}/quota", SEEN_PRIVATE),
    # Bookings and their decisions
    row("GET", "/bookings", USERS),
    row(
        "POST",
        "/bookings",
        USERS,
        {
            "resource_id": "{shared}",
            "start": "2026-12-03T10:00:00+01:00",
            "end": "2026-12-03T11:00:00+01:00",
            "title": "Matrix",
        },
        once=True,
    ),
    row(
        "POST",
        "/bookings",
        SEEN_PRIVATE,
        {
            "resource_id": "{private}",
            "start": "2026-12-03T10:00:00+01:00",
            "end": "2026-12-03T11:00:00+01:00",
            "title": "Matrix",
        },
        once=True,
    ),
    row("GET", "/bookings/{booking}", REQUESTERS),
    row("PATCH", "/bookings/{booking}", REQUESTERS, {"title": "Renamed"}),
    row("POST", "/bookings/{booking}/cancel", REQUESTERS, once=True),
    row("GET", "/bookings/{booking}.ics", REQUESTERS),
    row("POST", "/bookings/{pending}/approve", DECIDERS, once=True),
    row("POST", "/bookings/{pending}/reject", DECIDERS, {"reason": "No room"}, once=True),
    row(
        "GET",
        "/audit?booking_id={booking}",
        # api-v1.md names managers and admins; issue 4 adds the booking's requester.
        "401 404 2xx 2xx 2xx 404 2xx",
    ),
    # The history of resources, accounts and organisations
    row("GET", "/history?resource_id={shared}", MANAGERS),
    row("GET", "/history?resource_id={private}", MANAGERS_PRIVATE),
    row("GET", "/history?user_id={member}", "401 2xx 403 403 2xx 404 2xx"),
    row("GET", "/history?organisation_id={owner}", "401 403 403 403 2xx 403 2xx"),
    # Statements
    row("GET", "/statements/organisations/{owner}?" + MONTH, "401 403 403 403 2xx 403 2xx"),
    row("GET", "/statements/organisations/{other}?" + MONTH, "401 403 403 403 403 2xx 2xx"),
    row("GET", "/statements/resources/{shared}?" + MONTH, MANAGERS),
    row("GET", "/statements/resources/{private}?" + MONTH, MANAGERS_PRIVATE),
    # Trial requests
    row(
        "POST",
        "/trial-requests",
        USERS,
        {
            "resource_id": "{shared}",
            "earliest_start": "2026-12-02T08:00:00+01:00",
            "latest_end": "2026-12-04T18:00:00+01:00",
            "duration_minutes": 240,
            "title": "Matrix trial",
        },
    ),
    row(
        "POST",
        "/trial-requests",
        SEEN_PRIVATE,
        {
            "resource_id": "{private}",
            "earliest_start": "2026-12-02T08:00:00+01:00",
            "latest_end": "2026-12-04T18:00:00+01:00",
            "duration_minutes": 240,
            "title": "Matrix trial",
        },
    ),
    row("GET", "/trial-requests", USERS),
    row("GET", "/trial-requests?resource_id={shared}", MANAGERS),
    row("GET", "/trial-requests/{trial}", REQUESTERS),
    row("GET", "/trial-requests/{trial}/slots", DECIDERS),
    row(
        "POST",
        "/trial-requests/{trial}/schedule",
        DECIDERS,
        {"start": "2026-12-03T09:00:00+01:00"},
        once=True,
    ),
    row("POST", "/trial-requests/{trial}/decline", DECIDERS, {"reason": "No room"}, once=True),
    row("POST", "/trial-requests/{trial}/withdraw", "401 404 2xx 403 403 404 403"),
    # Training requests: 409 for those who need none (managers) or have asked already.
    row("POST", "/resources/{trained}/training-requests", "401 2xx 409 409 409 2xx 409"),
    row("GET", "/training-requests", USERS),
    row("GET", "/training-requests?managed=true", USERS),
    row("POST", "/training-requests/{training}/grant", DECIDERS, {"expires_on": None}, once=True),
    row("POST", "/training-requests/{training}/decline", DECIDERS, once=True),
]


# --- The scenario -------------------------------------------------------------------------------


@dataclass
class Scenario:
    ids: dict[str, Any]
    users: dict[str, Any] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        secret, _token = tokens.issue_token(self.users[role], now=NOW, lifetime=timedelta(days=1))
        return {"Authorization": f"Bearer {secret}"}


def build_scenario() -> Scenario:
    """Two organisations and a coordinator; a network-visible pilot installation with a confirmed
    booking, a pending request, a blackout, an opening on a holiday, a qualification and a trial
    request; an organisation-only one; and one requiring training, with an open training
    request."""
    owner = make_organisation(type="research_lab")
    other = make_organisation(type="business")
    users = {
        "member": make_user(owner),
        "outsider": make_user(other),
        "manager": make_user(owner),
        "org_admin": make_user(owner, is_org_admin=True),
        "other_admin": make_user(other, is_org_admin=True),
        "network_admin": make_user(make_organisation(), is_network_admin=True),
    }
    outsider, manager = users["outsider"], users["manager"]
    shared = make_pilot(organisation=owner, managers=[manager], approval="none")
    private = make_pilot(organisation=owner, managers=[manager], visibility="organisation")
    trained = make_pilot(organisation=owner, managers=[manager], requires_qualification=True)
    booking = book(outsider, shared, rome(2026, 12, 2, 10), rome(2026, 12, 2, 11)).bookings[0]
    # Requests from now on wait for approval.
    shared.approval = "always"
    db.session.commit()
    pending = book(outsider, shared, rome(2026, 12, 2, 14), rome(2026, 12, 2, 15)).bookings[0]
    ids = {
        "owner": owner.id,
        "other": other.id,
        "member": users["member"].id,
        "member_email": users["member"].email,
        "shared": shared.id,
        "private": private.id,
        "trained": trained.id,
        "booking": booking.id,
        "pending": pending.id,
        "blackout": make_blackout(shared, rome(2026, 12, 10, 8), rome(2026, 12, 10, 18)).id,
        "opening": make_holiday_opening(shared, date(2026, 12, 26)).id,
        "qualification": make_qualification(shared, outsider).id,
        "trial": make_trial(outsider, shared).id,
        "training": make_training_request(outsider, trained).id,
    }
    return Scenario(ids, users)


# --- The tests ----------------------------------------------------------------------------------


def _formatted(value: Any, ids: dict[str, Any]) -> Any:
    """Placeholders replaced (values of different scenarios must not collide); a value that is
    exactly one placeholder becomes that id."""
    if isinstance(value, dict):
        return {key: _formatted(item, ids) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value.format_map(ids) if isinstance(value, str) else value


def _status_class(status: int) -> str:
    return "2xx" if 200 <= status < 300 else str(status)


def _answer(client, matrix_row: Row, scenario: Scenario, role: str) -> str:
    response = client.open(
        matrix_row.path.format_map(scenario.ids),
        method=matrix_row.method,
        headers=scenario.headers(role),
        json=_formatted(matrix_row.body, scenario.ids) if matrix_row.body is not None else None,
    )
    return _status_class(response.status_code)


@pytest.mark.parametrize("matrix_row", ROWS, ids=[r.name for r in ROWS])
def test_each_role_gets_the_answer_of_the_matrix(client, frozen_now, matrix_row):
    expected = matrix_row.expected
    # Refusals change nothing, so the roles share one scenario, refused ones first; after an
    # action that succeeds only once, the next role gets a fresh scenario.
    order = sorted(expected, key=lambda role: expected[role] == "2xx")
    scenario, used_up = build_scenario(), False
    answers = {}
    for role in order:
        if used_up:
            scenario = build_scenario()
        answers[role] = _answer(client, matrix_row, scenario, role)
        used_up = matrix_row.once and answers[role] == "2xx"
    assert answers == expected


def test_every_api_endpoint_has_a_row(app):
    """Rows name their endpoint by an example path; one naming none fails here too."""
    adapter = app.url_map.bind("localhost")
    wanted = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = set()
    for matrix_row in ROWS:
        path = matrix_row.path.format_map(defaultdict(lambda: 1)).partition("?")[0]
        endpoint, _args = adapter.match(path, method=matrix_row.method)
        covered.add((endpoint, matrix_row.method))
    assert sorted(wanted - covered) == []
