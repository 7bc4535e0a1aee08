"""Whatever a client sends is answered 4xx, never 5xx (../shared/api-v1.md), on both databases:
ids beyond the database's integers, text that cannot be stored, Unicode digits, bodies nested too
deeply or too large, wrong methods and unknown fields. A database connection lost mid-request is
answered 503 with Retry-After (tests/test_database_unavailable.py)."""

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking, Organisation, Resource, User
from booking.services.tokens import issue_token
from tests.accounts_factories import assert_problem, make_network_admin
from tests.booking_factories import NOW, book, make_worked_example_resource, rome
from tests.factories import make_cluster, make_organisation, make_user
from tests.requests_factories import make_pilot, make_training_request, make_trial

# Beyond PostgreSQL's integer, and beyond SQLite's (and PostgreSQL's bigint); in bodies also
# as far below (schemathesis found a negative one that PostgreSQL could not bind).
HUGE_IDS = [2**31, 2**63 + 1]
# Texts that JSON can carry but no database can store: PostgreSQL refuses NUL, and an unpaired
# surrogate cannot be encoded as UTF-8 for either database.
UNSTORABLE = {"nul": "Lab\x00", "surrogate": "Lab\ud800"}
DAY = timedelta(days=1)
WED_9, WED_10 = "2026-12-02T09:00:00+01:00", "2026-12-02T10:00:00+01:00"
SAVED = {"start": "2026-12-09T09:00:00+01:00", "end": "2026-12-09T10:00:00+01:00"}


@dataclass
class World:
    """A network admin who manages an instrument and a pilot installation, with one booking, one
    trial request and one training request on them."""

    headers: dict[str, str]
    admin: User
    organisation: Organisation
    resource: Resource
    booking: Booking
    trial_id: int
    training_id: int

    def ids(self) -> dict[str, int]:
        return {
            "organisation": self.organisation.id,
            "admin": self.admin.id,
            "resource": self.resource.id,
            "booking": self.booking.id,
            "trial": self.trial_id,
            "training": self.training_id,
        }


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def resolve(value, values: dict):
    """`value` with its "{name}" placeholders filled in from `values`, in keys too. A string that
    is nothing but a placeholder becomes the value itself, so that an id stays a JSON number."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {resolve(key, values): resolve(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, values) for item in value]
    return value


@pytest.fixture
def world(client, frozen_now) -> World:
    organisation = make_organisation()
    admin = make_network_admin(organisation)
    resource = make_worked_example_resource(organisation=organisation, managers=[admin])
    requester = make_user(make_organisation(type="business"))
    trial = make_trial(requester, make_pilot(organisation=organisation, managers=[admin]))
    trained = make_worked_example_resource(
        organisation=organisation, managers=[admin], requires_qualification=True
    )
    return World(
        # Issued by the service: logging in through the API hashes a password for every test.
        headers={"Authorization": f"Bearer {issue_token(admin, now=NOW, lifetime=DAY)[0]}"},
        admin=admin,
        organisation=organisation,
        resource=resource,
        booking=book(admin, resource, rome(2026, 12, 2, 11), rome(2026, 12, 2, 12)).bookings[0],
        trial_id=trial.id,
        training_id=make_training_request(requester, trained).id,
    )


def send(client, world: World, method: str, path: str, body=None, **values):
    """The request, with the placeholders of `path` and `body` filled in; the body is written as
    any client writes JSON (a NUL as \\u0000, an unpaired surrogate as \\ud800)."""
    values = world.ids() | values
    if path == "/api/v1/bookings" and method == "POST":
        body = {"resource_id": "{resource}", "start": WED_9, "end": WED_10, "title": "Run"} | body
    return client.open(
        resolve(path, values),
        method=method,
        data=None if body is None else json.dumps(resolve(body, values)),
        content_type="application/json",
        headers=world.headers,
    )


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


# --- Ids -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_an_id_beyond_the_database_in_any_path_is_not_found(app, client, world, huge):
    wrong = []
    id_routes = [rule for rule in app.url_map.iter_rules() if "<id:" in rule.rule]
    assert len(id_routes) > 50
    for rule in id_routes:
        path = re.sub(r"<id:\w+>", str(huge), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=world.headers)
            problem = response.mimetype == "application/problem+json"
            if response.status_code != 404 or problem != path.startswith("/api/"):
                wrong.append(f"{method} {path}: {response.status_code} {response.mimetype}")
    assert wrong == []


@pytest.mark.parametrize("path", ["/api/v1/organisations/{}", "/admin/users/{}", "/resources/{}"])
@pytest.mark.parametrize("written", ["²", "١", "0", "007", "-1"])
def test_an_id_spelt_otherwise_than_in_ascii_digits_is_not_found(client, world, path, written):
    # "١" is an Arabic-Indic one: int() reads it, but it is not the address of id 1.
    response = client.get(path.format(written), headers=world.headers)
    assert response.status_code == 404


ID_FIELDS = [
    ("GET", "/api/v1/users?organisation_id={huge}", None, "organisation_id"),
    ("GET", "/api/v1/organisations?cluster={huge}", None, "cluster"),
    ("GET", "/api/v1/bookings?resource_id={huge}", None, "resource_id"),
    ("GET", "/api/v1/trial-requests?resource_id={huge}", None, "resource_id"),
    ("GET", "/api/v1/clusters?page={huge}", None, "page"),
    ("GET", "/api/v1/resources?page={huge}", None, "page"),
    (
        "GET",
        "/api/v1/availability?start=2026-12-02T08:00:00Z&end=2026-12-03T08:00:00Z&duration=30"
        "&page={huge}",
        None,
        "page",
    ),
    (
        "POST",
        "/api/v1/organisations",
        {"name": "Nuovo", "type": "university", "city": "Bologna", "clusters": ["{huge}"]},
        "clusters",
    ),
    ("PATCH", "/api/v1/organisations/{organisation}", {"clusters": ["{huge}"]}, "clusters"),
    (
        "POST",
        "/api/v1/users",
        {
            "email": "nuovo@example.org",
            "name": "Nuovo",
            "password": "a long enough password",
            "organisation_id": "{huge}",
        },
        "organisation_id",
    ),
    ("PATCH", "/api/v1/users/{admin}", {"organisation_id": "{huge}"}, "organisation_id"),
    (
        "POST",
        "/api/v1/resources",
        {"name": "X", "kind": "instrument", "organisation_id": "{huge}"},
        "organisation_id",
    ),
    (
        "POST",
        "/api/v1/resources",
        {"name": "X", "kind": "instrument", "parent_id": "{huge}"},
        "parent_id",
    ),
    (
        "POST",
        "/api/v1/resources",
        {"name": "X", "kind": "instrument", "managers": ["{huge}"]},
        "managers",
    ),
    ("PATCH", "/api/v1/resources/{resource}", {"clusters": ["{huge}"]}, "clusters"),
    ("PATCH", "/api/v1/resources/{resource}", {"co_owners": ["{huge}"]}, "co_owners"),
    ("POST", "/api/v1/resources/{resource}/qualifications", {"user_id": "{huge}"}, "user_id"),
    (
        "POST",
        "/api/v1/bookings",
        {"resource_id": "{huge}", "start": WED_9, "end": WED_10, "title": "Run"},
        "resource_id",
    ),
    (
        "POST",
        "/api/v1/trial-requests",
        {
            "resource_id": "{huge}",
            "earliest_start": WED_9,
            "latest_end": "2026-12-04T18:00:00+01:00",
            "duration_minutes": 60,
            "title": "Trial",
        },
        "resource_id",
    ),
]


@pytest.mark.parametrize("huge", [*HUGE_IDS, -(2**63) - 1])
@pytest.mark.parametrize(("method", "path", "body", "field"), ID_FIELDS)
def test_an_id_beyond_the_database_in_a_query_or_body_is_invalid(
    client, world, huge, method, path, body, field
):
    response = send(client, world, method, path, body, huge=huge)
    assert field in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_a_filter_by_an_impossible_id_or_code_finds_nothing(client, world, huge):
    for name in ("cluster", "value_chain", "organisation"):
        for value in (huge, "²"):
            response = client.get(f"/api/v1/resources?{name}={value}", headers=world.headers)
            assert (response.status_code, response.json["total"]) == (200, 0), (name, value)


# --- Text that cannot be stored ------------------------------------------------------------------

TEXT_FIELDS = [
    (
        "POST",
        "/api/v1/organisations",
        {"name": "{bad}", "type": "university", "city": "Bo"},
        "name",
    ),
    (
        "POST",
        "/api/v1/organisations",
        {"name": "Nuovo", "type": "university", "city": "Bo", "description": "{bad}"},
        "description",
    ),
    ("PATCH", "/api/v1/organisations/{organisation}", {"city": "{bad}"}, "city"),
    (
        "POST",
        "/api/v1/users",
        {
            "email": "nuovo@example.org",
            "name": "{bad}",
            "password": "a long enough password",
            "organisation_id": "{organisation}",
        },
        "name",
    ),
    ("PATCH", "/api/v1/users/{admin}", {"email": "{bad}@example.org"}, "email"),
    ("POST", "/api/v1/resources", {"name": "{bad}", "kind": "instrument"}, "name"),
    ("PATCH", "/api/v1/resources/{resource}", {"description": "{bad}"}, "description"),
    ("PATCH", "/api/v1/resources/{resource}", {"timezone": "{bad}"}, "timezone"),
    ("PATCH", "/api/v1/resources/{resource}", {"specs": [["Resolution", "{bad}"]]}, "specs"),
    (
        "PUT",
        "/api/v1/resources/{resource}/opening-hours",
        {"weekly": {"mon": [["{bad}", "18:00"]]}},
        "weekly.mon",
    ),
    ("POST", "/api/v1/resources/{resource}/blackouts", {**SAVED, "reason": "{bad}"}, "reason"),
    ("POST", "/api/v1/bookings", {"title": "{bad}"}, "title"),
    ("POST", "/api/v1/bookings", {"purpose": "{bad}"}, "purpose"),
    (
        "POST",
        "/api/v1/bookings",
        {"recurrence": {"rrule": "FREQ=DAILY;COUNT=2{bad}"}},
        "recurrence.rrule",
    ),
    ("PATCH", "/api/v1/bookings/{booking}", {"title": "{bad}"}, "title"),
    ("POST", "/api/v1/bookings/{booking}/cancel", {"reason": "{bad}"}, "reason"),
    ("POST", "/api/v1/trial-requests/{trial}/decline", {"reason": "{bad}"}, "reason"),
    ("POST", "/api/v1/resources/{resource}/training-requests", {"message": "{bad}"}, "message"),
    ("POST", "/api/v1/bookings", {"{bad}": "a field whose name cannot be stored"}, "{bad}"),
]


@pytest.mark.parametrize("bad", UNSTORABLE.values(), ids=UNSTORABLE.keys())
@pytest.mark.parametrize(("method", "path", "body", "field"), TEXT_FIELDS)
def test_text_that_cannot_be_stored_is_refused_naming_its_field(
    client, world, bad, method, path, body, field
):
    response = send(client, world, method, path, body, bad=bad)
    assert resolve(field, {"bad": bad}) in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("bad", UNSTORABLE.values(), ids=UNSTORABLE.keys())
@pytest.mark.parametrize("field", ["email", "password"])
def test_the_token_endpoint_refuses_text_that_cannot_be_stored(client, app, bad, field):
    user = make_user()
    credentials = {"email": user.email, "password": "whatever it is"} | {field: bad}
    response = client.post(
        "/api/v1/tokens", data=json.dumps(credentials), content_type="application/json"
    )
    assert field in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/resources?q=%00", "q"),
        ("/api/v1/resources?cluster=C%00", "cluster"),
        ("/api/v1/organisations?q=%00", "q"),
        ("/api/v1/users?q=a%00", "q"),
        ("/api/v1/trial-requests?managed=%00", "managed"),
        (
            "/api/v1/availability?start=2026-12-02T08:00:00Z&end=2026-12-03T08:00:00Z&duration=30"
            "&city=Bo%00logna",
            "city",
        ),
    ],
)
def test_a_nul_in_a_query_argument_is_refused_naming_it(client, world, path, name):
    assert name in assert_problem(client.get(path, headers=world.headers), 422)["errors"]


# --- Unicode digits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/organisations?cluster=²", "cluster"),
        ("/api/v1/users?organisation_id=²", "organisation_id"),
        ("/api/v1/clusters?page=²", "page"),
        ("/api/v1/clusters?per_page=１０", "per_page"),
    ],
)
def test_a_query_number_in_other_digits_is_invalid(client, world, path, field):
    assert field in assert_problem(client.get(path, headers=world.headers), 422)["errors"]


@pytest.mark.parametrize("rrule", ["FREQ=WEEKLY;COUNT=²", "FREQ=DAILY;INTERVAL=²;COUNT=2"])
def test_an_rrule_number_in_other_digits_is_invalid(client, world, rrule):
    response = send(client, world, "POST", "/api/v1/bookings", {"recurrence": {"rrule": rrule}})
    assert "recurrence.rrule" in assert_problem(response, 422)["errors"]


# --- Bodies nested too deeply or too large -----------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/api/v1/tokens", "/api/v1/bookings"])
def test_a_body_nested_too_deeply_is_malformed(client, world, path):
    response = client.post(path, data=DEEP, content_type="application/json", headers=world.headers)
    assert_problem(response, 400)


def test_a_deeply_nested_but_readable_value_is_an_invalid_field(client, world):
    title = "[" * 500 + '"\\u0000"' + "]" * 500
    body = json.dumps({"resource_id": world.resource.id, "start": WED_9, "end": WED_10})
    response = client.post(
        "/api/v1/bookings",
        data=body[:-1] + f', "title": {title}}}',
        content_type="application/json",
        headers=world.headers,
    )
    assert "title" in assert_problem(response, 422)["errors"]


@pytest.mark.parametrize("path", ["/api/v1/tokens", "/api/v1/bookings"])
def test_a_body_over_one_mebibyte_is_refused_unread(client, world, path):
    body = json.dumps({"email": "a" * (1024 * 1024), "password": "x"})
    response = client.post(path, data=body, content_type="application/json", headers=world.headers)
    assert_problem(response, 413)


def test_a_body_just_under_one_mebibyte_is_read(client, world):
    body = json.dumps({"email": "a" * (1024 * 1024 - 100), "password": "x"})
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert "email" in assert_problem(response, 422)["errors"]


# --- Wrong methods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/api/v1/bookings/{booking}", {"GET", "HEAD", "OPTIONS", "PATCH"}),
        ("GET", "/api/v1/tokens", {"POST", "OPTIONS"}),
    ],
)
def test_a_wrong_method_is_answered_405_with_the_allowed_ones(client, world, method, path, allowed):
    response = send(client, world, method, path)
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == allowed


# --- Unknown fields ----------------------------------------------------------------------------------

UNKNOWN_FIELDS = [
    (
        "POST",
        "/api/v1/tokens",
        {"email": "a@example.org", "password": "x", "remember": True},
        ["remember"],
    ),
    (
        "POST",
        "/api/v1/organisations",
        {"name": "Nuovo", "type": "university", "city": "Bo", "cluster": [1]},
        ["cluster"],
    ),
    (
        "PATCH",
        "/api/v1/organisations/{organisation}",
        {"nmae": "Nuovo", "town": "Bo"},
        ["nmae", "town"],
    ),
    (
        "POST",
        "/api/v1/users",
        {
            "email": "nuovo@example.org",
            "name": "Nuovo",
            "password": "a long enough password",
            "organisation_id": "{organisation}",
            "role": "member",
        },
        ["role"],
    ),
    ("PATCH", "/api/v1/users/{admin}", {"emial": "x@example.org"}, ["emial"]),
    ("POST", "/api/v1/resources", {"name": "X", "kind": "instrument", "capacty": 2}, ["capacty"]),
    (
        "PUT",
        "/api/v1/resources/{resource}/opening-hours",
        {"weekly": {}, "timezone": "UTC"},
        ["timezone"],
    ),
    ("POST", "/api/v1/resources/{resource}/blackouts", {**SAVED, "reson": "Service"}, ["reson"]),
    (
        "POST",
        "/api/v1/resources/{resource}/qualifications",
        {"user_id": "{admin}", "expires": "2027-01-01"},
        ["expires"],
    ),
    ("POST", "/api/v1/bookings", {"resource_ids": ["{resource}"]}, ["resource_ids"]),
    (
        "POST",
        "/api/v1/bookings",
        {"recurrence": {"rrule": "FREQ=DAILY;COUNT=2", "on_conflit": "skip"}},
        ["recurrence.on_conflit"],
    ),
    ("PATCH", "/api/v1/bookings/{booking}", {"titel": "Run"}, ["titel"]),
    ("POST", "/api/v1/bookings/{booking}/cancel", {"reson": "Ill"}, ["reson"]),
    ("POST", "/api/v1/trial-requests/{trial}/schedule", {"start": WED_9, "end": WED_10}, ["end"]),
    ("POST", "/api/v1/trial-requests/{trial}/decline", {"reason": "Full", "note": "x"}, ["note"]),
    ("POST", "/api/v1/trial-requests/{trial}/withdraw", {"reason": "x"}, ["reason"]),
    ("POST", "/api/v1/resources/{resource}/training-requests", {"mesage": "Please"}, ["mesage"]),
    ("POST", "/api/v1/training-requests/{training}/grant", {"expires": "2027-01-01"}, ["expires"]),
    ("POST", "/api/v1/training-requests/{training}/decline", {"reason": "x"}, ["reason"]),
    ("POST", "/api/v1/me/calendar-token", {"rotate": True}, ["rotate"]),
]


@pytest.mark.parametrize(("method", "path", "body", "unknown"), UNKNOWN_FIELDS)
def test_an_unknown_field_is_refused_naming_it(client, world, method, path, body, unknown):
    errors = assert_problem(send(client, world, method, path, body), 422)["errors"]
    assert set(unknown) <= set(errors)


def test_a_misspelt_resource_ids_books_nothing(client, world):
    other = make_worked_example_resource(organisation=world.organisation)
    before = _count(Booking)
    body = {"resource_id": other.id, "resource_ids": [world.resource.id, other.id]}
    response = send(client, world, "POST", "/api/v1/bookings", body)
    assert assert_problem(response, 422)["errors"] == {
        "resource_ids": "is not a field of this request"
    }
    assert _count(Booking) == before


def test_known_fields_only_are_still_accepted(client, world):
    cluster = make_cluster()
    response = send(
        client,
        world,
        "POST",
        "/api/v1/organisations",
        {"name": "Nuovo", "type": "university", "city": "Bologna", "clusters": [cluster.id]},
    )
    assert response.status_code == 201, response.json
