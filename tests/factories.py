"""Small factories: each makes one committed row with sensible defaults; pass what matters."""

import itertools
from datetime import date, datetime

from flask import current_app

from booking.extensions import db
from booking.models import (
    Blackout,
    Cluster,
    HolidayOpening,
    OpeningHours,
    Organisation,
    Qualification,
    Resource,
    User,
    ValueChain,
)
from booking.services.accounts import hash_password

_sequence = itertools.count(1)
PASSWORD = "correct horse battery"
# Hashing is deliberately slow; the factories reuse one hash of PASSWORD.
_PASSWORD_HASH = hash_password(PASSWORD)


def _n() -> int:
    return next(_sequence)


def _now() -> datetime:
    """When a factory's row is made: the test's frozen clock (the app fixture always has one)."""
    return current_app.config["CLOCK"]()


def make_cluster(code: str | None = None, value_chains: tuple[str, ...] = ()) -> Cluster:
    n = _n()
    cluster = Cluster(code=code or f"C{n}", name_en=f"Cluster {n}", name_it=f"Cluster {n} (it)")
    cluster.value_chains = [
        ValueChain(code=vc.upper(), name_en=vc, name_it=f"{vc} (it)") for vc in value_chains
    ]
    db.session.add(cluster)
    db.session.commit()
    return cluster


def make_organisation(**fields) -> Organisation:
    n = _n()
    fields.setdefault("name", f"Organisation {n}")
    fields.setdefault("slug", f"organisation-{n}")
    fields.setdefault("type", "research_lab")
    fields.setdefault("city", "Bologna")
    organisation = Organisation(**fields)
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(organisation: Organisation | None = None, **fields) -> User:
    n = _n()
    organisation = organisation or make_organisation()
    fields.setdefault("email", f"user{n}@example.org")
    fields.setdefault("name", f"User {n}")
    fields.setdefault("created_at", _now())
    user = User(organisation_id=organisation.id, password_hash=_PASSWORD_HASH, **fields)
    db.session.add(user)
    db.session.commit()
    return user


def make_resource(organisation: Organisation | None = None, **fields) -> Resource:
    n = _n()
    organisation = organisation or make_organisation()
    fields.setdefault("name", f"Resource {n}")
    fields.setdefault("kind", "instrument")
    fields.setdefault("city", organisation.city)
    fields.setdefault("created_at", _now())
    fields.setdefault("updated_at", fields["created_at"])
    managers = fields.pop("managers", [])
    resource = Resource(organisation_id=organisation.id, **fields)
    resource.managers = list(managers)
    db.session.add(resource)
    db.session.commit()
    return resource


def set_opening_hours(resource: Resource, weekly: dict[int, list[tuple[str, str]]]) -> None:
    """weekly: weekday (0 = Monday) → [("08:00", "18:00"), ...] in the resource's local time."""

    def minutes(hhmm: str) -> int:
        hours, mins = hhmm.split(":")
        return int(hours) * 60 + int(mins)

    resource.opening_hours = [
        OpeningHours(weekday=day, start_minute=minutes(start), end_minute=minutes(end))
        for day, ranges in weekly.items()
        for start, end in ranges
    ]
    db.session.commit()


def make_blackout(resource: Resource, start, end, reason: str = "Maintenance") -> Blackout:
    blackout = Blackout(
        resource_id=resource.id, start_at=start, end_at=end, reason=reason, created_at=_now()
    )
    db.session.add(blackout)
    db.session.commit()
    return blackout


def make_holiday_opening(resource: Resource, day: date) -> HolidayOpening:
    """Open the resource on a public holiday, as its managers would."""
    opening = HolidayOpening(resource_id=resource.id, day=day, created_at=_now())
    db.session.add(opening)
    db.session.commit()
    return opening


def make_qualification(resource: Resource, user: User, expires_on: date | None = None):
    qualification = Qualification(
        resource_id=resource.id, user_id=user.id, expires_on=expires_on, created_at=_now()
    )
    db.session.add(qualification)
    db.session.commit()
    return qualification


def token_for(client, user: User) -> dict[str, str]:
    """Authorization headers for `user`, obtained through the API as a client would."""
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}
