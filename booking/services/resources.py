"""Creating and editing resources: their description, booking policies, managers, co-owners,
Clust-ERs and rates.

Error messages are English and marked with `N_()`: the API answers them as they are, the pages
translate them when they show them next to a form field.

Choices made here:
- a value chain may be given to a resource only together with its Clust-ER;
- a resource may be placed inside a joint lab only by someone who manages that joint lab (its
  bookings then block the resource), and a joint lab is never inside another joint lab.
"""

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from booking.extensions import db
from booking.models import Cluster, Organisation, Resource, User, ValueChain
from booking.models.resources import APPROVAL_POLICIES, KINDS, RATE_CATEGORIES, VISIBILITIES
from booking.services import history, permissions
from booking.services.catalogue import (
    DEFAULT_TIMEZONE,
    N_,
    NOT_A_KIND,
    get_managed_resource,
    is_time_zone,
    load_resource_details,
    valid_id,
)
from booking.services.errors import Forbidden, InvalidInput
from booking.services.transaction import writing

# Everything about a resource that can be written, with the value a new resource gets.
NEW_RESOURCE_DEFAULTS: dict[str, Any] = {
    "parent_id": None,
    "timezone": DEFAULT_TIMEZONE,
    "site": "",
    "description": "",
    "specs": [],
    "clusters": [],
    "value_chains": [],
    "visibility": "network",
    "approval": "external",
    "capacity": 1,
    "slot_minutes": 15,
    "max_duration_minutes": None,
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 0,
    "lead_time_hours": 0,
    "horizon_days": 365,
    "requires_qualification": False,
    "monthly_quota_hours": None,
    "managers": [],
    "co_owners": [],
    "rates": dict.fromkeys(RATE_CATEGORIES),
}

# name: (maximum length, may be empty)
_TEXTS = {
    "name": (200, False),
    "city": (120, False),
    "site": (200, True),
    "description": (10_000, True),
    "timezone": (64, False),
}
_CHOICES = {
    "kind": (KINDS, NOT_A_KIND),
    "visibility": (VISIBILITIES, N_("must be network, clusters or organisation")),
    "approval": (APPROVAL_POLICIES, N_("must be none, external or always")),
}
# name: (minimum, maximum, may be null); the maxima keep values inside the database's integers
# and inside what a booking calendar can mean.
INTEGER_RANGES = {
    "capacity": (1, 100_000, False),
    "slot_minutes": (1, 1440, False),
    "min_duration_minutes": (1, 366 * 1440, False),
    "max_duration_minutes": (1, 366 * 1440, True),
    "buffer_before_minutes": (0, 7 * 1440, False),
    "buffer_after_minutes": (0, 7 * 1440, False),
    "lead_time_hours": (0, 366 * 24, False),
    "horizon_days": (1, 3660, False),
    "monthly_quota_hours": (1, 744, True),
}
_ID_LISTS = ("clusters", "value_chains", "managers", "co_owners")
_SCALARS = (
    "name",
    "kind",
    "organisation_id",
    "parent_id",
    "timezone",
    "city",
    "site",
    "description",
    "specs",
    "visibility",
    "approval",
    *INTEGER_RANGES,
    "requires_qualification",
)
WRITABLE_FIELDS = frozenset((*_SCALARS, *_ID_LISTS, "rates"))
MAX_RATE = Decimal("99999999.99")
MAX_SPECS = 100


def _read_fields(data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Check the type and range of each given field; returns the valid ones, cleaned."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in WRITABLE_FIELDS:
            errors[name] = N_("cannot be set")
        elif name in _TEXTS:
            maximum, may_be_empty = _TEXTS[name]
            if not isinstance(value, str):
                errors[name] = N_("must be text")
            elif not value.strip() and not may_be_empty:
                errors[name] = N_("must not be empty")
            elif len(value.strip()) > maximum:
                errors[name] = N_("is too long")
            else:
                values[name] = value.strip()
        elif name in _CHOICES:
            choices, message = _CHOICES[name]
            if value not in choices:
                errors[name] = message
            else:
                values[name] = value
        elif name in INTEGER_RANGES:
            minimum, maximum, nullable = INTEGER_RANGES[name]
            if value is None and nullable:
                values[name] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                errors[name] = N_("must be a whole number")
            elif value < minimum:
                errors[name] = (
                    N_("must not be negative") if minimum == 0 else N_("must be at least 1")
                )
            elif value > maximum:
                errors[name] = N_("is too large")
            else:
                values[name] = value
        elif name in ("organisation_id", "parent_id"):
            if value is None and name == "parent_id":
                values[name] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                errors[name] = N_("must be an id")
            else:
                values[name] = value
        elif name in _ID_LISTS:
            if not isinstance(value, list | tuple) or any(
                isinstance(v, bool) or not isinstance(v, int) for v in value
            ):
                errors[name] = N_("must be a list of ids")
            else:
                values[name] = list(dict.fromkeys(value))
        elif name == "requires_qualification":
            if not isinstance(value, bool):
                errors[name] = N_("must be true or false")
            else:
                values[name] = value
        elif name == "specs":
            specs = _read_specs(value)
            if specs is None:
                errors[name] = N_(
                    "must be a list of [label, value] pairs of text, each with a label"
                )
            elif len(specs) > MAX_SPECS:
                errors[name] = N_("has too many lines")
            else:
                values[name] = specs
        elif name == "rates":
            values[name] = _read_rates(value, errors)
    return values


def _read_specs(value: Any) -> list[list[str]] | None:
    if not isinstance(value, list | tuple):
        return None
    specs = []
    for pair in value:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
        ):
            return None
        label, text = pair[0].strip(), pair[1].strip()
        if not label or len(label) > 100 or len(text) > 500:
            return None
        specs.append([label, text])
    return specs


def _read_rates(value: Any, errors: dict[str, str]) -> dict[str, Decimal | None]:
    if not isinstance(value, Mapping):
        errors["rates"] = N_("must be an object with internal, network, academic and industry")
        return {}
    rates: dict[str, Decimal | None] = {}
    for category, amount in value.items():
        key = f"rates.{category}"
        if category not in RATE_CATEGORIES:
            errors[key] = N_("is not a rate category (internal, network, academic, industry)")
            continue
        if amount is None:
            rates[category] = None
            continue
        if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
            errors[key] = N_("must be a number of euros per hour, or null")
            continue
        try:
            number = Decimal(str(amount)).quantize(Decimal("0.01"))
        except InvalidOperation:
            errors[key] = N_("must be a number of euros per hour, or null")
            continue
        if isinstance(amount, float) and not math.isfinite(amount):
            errors[key] = N_("must be a number of euros per hour, or null")
        elif number < 0:
            errors[key] = N_("must not be negative")
        elif number > MAX_RATE:
            errors[key] = N_("is too large")
        else:
            rates[category] = number
    return rates


def _state_of(resource: Resource) -> dict[str, Any]:
    state = {name: getattr(resource, name) for name in _SCALARS}
    state.update(
        clusters=[c.id for c in resource.clusters],
        value_chains=[v.id for v in resource.value_chains],
        managers=[u.id for u in resource.managers],
        co_owners=[o.id for o in resource.co_owners],
        rates={category: resource.rate(category) for category in RATE_CATEGORIES},
    )
    return state


def _rows(model, ids: list[int]) -> dict[int, Any]:
    ids = [i for i in ids if valid_id(i)]
    if not ids:
        return {}
    rows = db.session.execute(select(model).where(model.id.in_(ids))).scalars()
    return {row.id: row for row in rows}


def _check_state(
    user: User, state: dict[str, Any], resource: Resource | None, errors: dict[str, str]
) -> dict[str, list]:
    """Cross-field rules and references; returns the rows of the id lists, in the given order."""
    if "timezone" not in errors and not is_time_zone(state["timezone"]):
        errors["timezone"] = N_("must be a time zone name such as Europe/Rome")

    slot = state["slot_minutes"]
    if "slot_minutes" not in errors and 1440 % slot:
        errors["slot_minutes"] = N_("must divide a day evenly (for example 5, 15, 30 or 60)")
    if not {"slot_minutes", "min_duration_minutes", "max_duration_minutes"} & set(errors):
        minimum, maximum = state["min_duration_minutes"], state["max_duration_minutes"]
        if minimum < slot or minimum % slot:
            errors["min_duration_minutes"] = N_("must be one slot or a whole number of slots")
        elif maximum is not None and (maximum < minimum or maximum % slot):
            errors["max_duration_minutes"] = N_(
                "must be at least the minimum duration and a whole number of slots"
            )

    clusters = _rows(Cluster, state["clusters"])
    if len(clusters) != len(state["clusters"]):
        errors.setdefault("clusters", N_("must be ids of existing Clust-ERs"))
    value_chains = _rows(ValueChain, state["value_chains"])
    if len(value_chains) != len(state["value_chains"]):
        errors.setdefault("value_chains", N_("must be ids of existing value chains"))
    elif any(chain.cluster_id not in state["clusters"] for chain in value_chains.values()):
        errors.setdefault("value_chains", N_("must belong to the resource's Clust-ERs"))
    managers = _rows(User, state["managers"])
    if len(managers) != len(state["managers"]):
        errors.setdefault("managers", N_("must be ids of existing users"))
    co_owners = _rows(Organisation, state["co_owners"])
    if len(co_owners) != len(state["co_owners"]):
        errors.setdefault("co_owners", N_("must be ids of existing organisations"))
    elif co_owners and state["kind"] != "joint_lab" and "kind" not in errors:
        errors.setdefault("co_owners", N_("only a joint lab has co-owners"))
    elif state["organisation_id"] in co_owners:
        errors.setdefault("co_owners", N_("must not include the owner organisation"))

    has_children = resource is not None and (
        db.session.execute(
            select(Resource.id).where(Resource.parent_id == resource.id).limit(1)
        ).first()
        is not None
    )
    if has_children and state["kind"] != "joint_lab" and "kind" not in errors:
        errors["kind"] = N_("must stay joint_lab while other resources are inside it")
    if state["parent_id"] is not None and "parent_id" not in errors:
        parent = load_resource_details(state["parent_id"])
        if parent is None or not permissions.can_see_resource(user, parent):
            errors["parent_id"] = N_("must be the id of a joint lab")
        elif resource is not None and parent.id == resource.id:
            errors["parent_id"] = N_("cannot be the resource itself")
        elif parent.kind != "joint_lab" or parent.parent_id is not None:
            errors["parent_id"] = N_("must be the id of a joint lab")
        elif state["kind"] == "joint_lab":
            errors["parent_id"] = N_("a joint lab cannot be inside another joint lab")
        elif not permissions.can_manage_resource(user, parent):
            errors["parent_id"] = N_("must be a joint lab that you manage")

    def ordered(rows: dict[int, Any], ids: list[int]) -> list:
        return [rows[i] for i in ids if i in rows]

    return {
        "clusters": ordered(clusters, state["clusters"]),
        "value_chains": ordered(value_chains, state["value_chains"]),
        "managers": ordered(managers, state["managers"]),
        "co_owners": ordered(co_owners, state["co_owners"]),
    }


def _apply(resource: Resource, state: dict[str, Any], rows: dict[str, list], now: datetime):
    for name in _SCALARS:
        setattr(resource, name, state[name])
    for category in RATE_CATEGORIES:
        setattr(resource, f"rate_{category}", state["rates"].get(category))
    resource.clusters = rows["clusters"]
    resource.value_chains = rows["value_chains"]
    resource.managers = rows["managers"]
    resource.co_owners = rows["co_owners"]
    resource.updated_at = now


def _organisation(organisation_id: int) -> Organisation | None:
    return db.session.get(Organisation, organisation_id) if valid_id(organisation_id) else None


@writing()
def create_resource(user: User | None, data: Mapping[str, Any], *, now: datetime) -> Resource:
    """Create a resource from the writable fields in `data` (JSON-like values).

    `name` and `kind` are required; `organisation_id` defaults to the user's organisation, `city`
    to the organisation's city, the rest to NEW_RESOURCE_DEFAULTS (the minimum duration to one
    slot). Network admins create for any organisation, organisation admins for their own.
    """
    if user is None or not (user.is_network_admin or user.is_org_admin):
        raise Forbidden(N_("Only organisation admins and network admins may add resources."))
    errors: dict[str, str] = {}
    values = _read_fields(data, errors)
    if "organisation_id" in data and "organisation_id" not in values:
        raise InvalidInput(errors)
    organisation_id = values.get("organisation_id", user.organisation_id)
    if not permissions.administers_organisation(user, organisation_id):
        raise Forbidden(N_("You may add resources only to your own organisation."))
    organisation = _organisation(organisation_id)
    if organisation is None:
        errors["organisation_id"] = N_("must be the id of an organisation")
        raise InvalidInput(errors)
    for name in ("name", "kind"):
        if name not in data:
            errors[name] = N_("is required")
    state = NEW_RESOURCE_DEFAULTS | {
        "name": None,
        "kind": None,
        "organisation_id": organisation_id,
        "city": organisation.city,
    }
    state["rates"] = NEW_RESOURCE_DEFAULTS["rates"] | values.pop("rates", {})
    state |= values
    state.setdefault("min_duration_minutes", state["slot_minutes"])
    rows = _check_state(user, state, None, errors)
    if errors:
        raise InvalidInput(errors)
    resource = Resource(created_at=now)
    _apply(resource, state, rows, now)
    db.session.add(resource)
    history.record_creation(resource, user, now)
    return resource


@writing()
def update_resource(
    user: User | None, resource_id: int, data: Mapping[str, Any], *, now: datetime
) -> Resource:
    """Change the given fields of a resource (`rates` changes only the categories given).

    Its managers, its organisation's admins and network admins may; moving it to another
    organisation takes someone who could create resources for both.
    """
    resource = get_managed_resource(user, resource_id)
    new_owner = data.get("organisation_id")
    if (
        valid_id(new_owner)
        and new_owner != resource.organisation_id
        and not (
            permissions.administers_organisation(user, resource.organisation_id)
            and permissions.administers_organisation(user, new_owner)
        )
    ):
        raise Forbidden(N_("You may not move this resource to another organisation."))
    errors: dict[str, str] = {}
    values = _read_fields(data, errors)
    state = _state_of(resource)
    state["rates"] = state["rates"] | values.pop("rates", {})
    state |= values
    if "organisation_id" in values and _organisation(state["organisation_id"]) is None:
        errors["organisation_id"] = N_("must be the id of an organisation")
    rows = _check_state(user, state, resource, errors)
    if errors:
        raise InvalidInput(errors)
    before = history.snapshot(resource)
    _apply(resource, state, rows, now)
    history.record_update(resource, before, user, now)
    return resource
