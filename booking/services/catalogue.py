"""The catalogue: finding resources, and managing them (policies, opening hours, blackouts,
qualifications).

Error messages are English and marked with `N_()`: the API answers them as they are, the pages
translate them when they show them next to a form field.

Choices made here:
- a value chain may be given to a resource only together with its Clust-ER;
- a resource may be placed inside a joint lab only by someone who manages that joint lab (its
  bookings then block the resource), and a joint lab is never inside another joint lab;
- opening hours: days missing from the weekly schedule are closed; a schedule with no range at all
  means "open at all hours".
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import (
    Blackout,
    Cluster,
    OpeningHours,
    Organisation,
    Qualification,
    Resource,
    User,
    ValueChain,
)
from booking.models.resources import (
    APPROVAL_POLICIES,
    KINDS,
    RATE_CATEGORIES,
    VISIBILITIES,
    WEEKDAYS,
    resource_clusters,
    resource_co_owners,
    resource_managers,
    resource_value_chains,
)
from booking.services import permissions
from booking.services.errors import Forbidden, InvalidInput, NotFound


def N_(message: str) -> str:
    """Mark a message for translation; whoever shows it to a person translates it."""
    return message


DEFAULT_TIMEZONE = "Europe/Rome"
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
# Ids are 32-bit in the database: a larger one names nothing, and PostgreSQL refuses to bind it.
MAX_ID = 2**31 - 1
# Outside these bounds nothing is booked, and converting between time zones may overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
OUT_OF_CALENDAR = N_("must lie between the years 1900 and 2999")

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
    "kind": (KINDS, N_("must be instrument, pilot_installation or joint_lab")),
    "visibility": (VISIBILITIES, N_("must be network, clusters or organisation")),
    "approval": (APPROVAL_POLICIES, N_("must be none, external or always")),
}
# name: (minimum, maximum, may be null); the maxima keep values inside the database's integers
# and inside what a booking calendar can mean.
_INTEGERS = {
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
    *_INTEGERS,
    "requires_qualification",
)
WRITABLE_FIELDS = frozenset((*_SCALARS, *_ID_LISTS, "rates"))
MAX_RATE = Decimal("99999999.99")
MAX_SPECS = 100


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def in_calendar(moment: datetime) -> bool:
    """Whether an aware instant lies in the years that the platform can book."""
    return EARLIEST <= moment < LATEST


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    return name in _time_zones()


def time_zone_names() -> list[str]:
    return sorted(_time_zones())


# --- Finding resources -------------------------------------------------------------------------

FACETS = ("kind", "cluster", "value_chain", "organisation", "city")


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: what the filter takes, how many resources match, and the row it
    stands for (a Cluster, ValueChain or Organisation; None for kinds and cities)."""

    value: int | str
    count: int
    item: Any = None


@dataclass(frozen=True)
class SearchResult:
    items: list[Resource]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]]


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _organisation_name_matches(pattern: str) -> ColumnElement[bool]:
    return Resource.organisation_id.in_(
        select(Organisation.id).where(Organisation.name.ilike(pattern, escape="\\"))
    )


def _text_match(q: str) -> ColumnElement[bool]:
    """Resources matching a free-text query, with the best means each database has."""
    if db.engine.dialect.name == "postgresql":
        # Literal SQL (not bound parameters) so that the expression is the one of the GIN
        # index described in the README, and PostgreSQL can use it.
        space = literal_column("' '")
        document = func.to_tsvector(
            literal_column("'simple'"),
            Resource.name
            + space
            + Resource.description
            + space
            + Resource.city
            + space
            + Resource.site,
        )
        query = func.websearch_to_tsquery(literal_column("'simple'"), q)
        pattern = _like_pattern(q)
        return or_(
            document.op("@@")(query),
            _organisation_name_matches(pattern),
            cast(Resource.specs, Text).ilike(pattern, escape="\\"),
        )
    words = q.split()
    if not words:
        return false()
    conditions = []
    for word in words:
        pattern = _like_pattern(word)
        conditions.append(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        Resource.name,
                        Resource.description,
                        Resource.city,
                        Resource.site,
                        cast(Resource.specs, Text),
                    )
                ),
                _organisation_name_matches(pattern),
            )
        )
    return and_(*conditions)


def _reference_ids(model, ref: int | str, code_column) -> list[int]:
    """Ids named by a filter value: an id, or a code / slug (case-insensitive)."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        return [int(ref)] if _valid_id(int(ref)) else []
    return list(
        db.session.execute(
            select(model.id).where(func.lower(code_column) == str(ref).strip().lower())
        ).scalars()
    )


def _in_cluster(cluster_ids: list[int]) -> ColumnElement[bool]:
    return Resource.id.in_(
        select(resource_clusters.c.resource_id).where(
            resource_clusters.c.cluster_id.in_(cluster_ids)
        )
    )


def _in_value_chain(value_chain_ids: list[int]) -> ColumnElement[bool]:
    return Resource.id.in_(
        select(resource_value_chains.c.resource_id).where(
            resource_value_chains.c.value_chain_id.in_(value_chain_ids)
        )
    )


def filter_conditions(
    *,
    kind: str | None = None,
    cluster: int | str | None = None,
    value_chain: int | str | None = None,
    organisation: int | str | None = None,
    city: str | None = None,
) -> dict[str, ColumnElement[bool]]:
    """The catalogue's facet filters as WHERE conditions, by facet name.

    `cluster` and `value_chain` take an id or a code, `organisation` an id or a slug.
    """
    if kind and kind not in KINDS:
        raise InvalidInput({"kind": _CHOICES["kind"][1]})
    filters: dict[str, ColumnElement[bool]] = {}
    if kind:
        filters["kind"] = Resource.kind == kind
    if cluster not in (None, ""):
        filters["cluster"] = _in_cluster(_reference_ids(Cluster, cluster, Cluster.code))
    if value_chain not in (None, ""):
        filters["value_chain"] = _in_value_chain(
            _reference_ids(ValueChain, value_chain, ValueChain.code)
        )
    if organisation not in (None, ""):
        filters["organisation"] = Resource.organisation_id.in_(
            _reference_ids(Organisation, organisation, Organisation.slug)
        )
    if city and city.strip():
        filters["city"] = func.lower(Resource.city) == city.strip().lower()
    return filters


def matching_resources(*, q: str | None = None, **filters: Any) -> Select:
    """select(Resource) with the catalogue's text search and filters; visibility is left to the
    caller (the free-slot search applies it itself)."""
    conditions = list(filter_conditions(**filters).values())
    if q and q.strip():
        conditions.append(_text_match(q.strip()))
    return select(Resource).where(*conditions)


def search(
    user: User | None,
    *,
    q: str | None = None,
    kind: str | None = None,
    cluster: int | str | None = None,
    value_chain: int | str | None = None,
    organisation: int | str | None = None,
    city: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> SearchResult:
    """The resources `user` may see that match every filter, one page of them, with the count of
    each facet value among the visible resources matching the other filters.

    `cluster` and `value_chain` take an id or a code, `organisation` an id or a slug.
    """
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput({"page": N_("must be a page number from 1 to 1000000")})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput({"per_page": N_("must be from 1 to 200")})
    filters = filter_conditions(
        kind=kind, cluster=cluster, value_chain=value_chain, organisation=organisation, city=city
    )
    base = [permissions.visible_resources_clause(user)]
    if q and q.strip():
        base.append(_text_match(q.strip()))

    def conditions(skip: str | None = None) -> list[ColumnElement[bool]]:
        return base + [condition for name, condition in filters.items() if name != skip]

    everything = conditions()
    total = db.session.execute(
        select(func.count()).select_from(Resource).where(*everything)
    ).scalar_one()
    items = list(
        db.session.execute(
            select(Resource)
            .where(*everything)
            .order_by(Resource.name, Resource.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .options(*RESOURCE_LOADING)
        ).scalars()
    )
    facets = {name: _facet(name, conditions(skip=name)) for name in FACETS}
    return SearchResult(items=items, total=total, page=page, per_page=per_page, facets=facets)


def _facet(name: str, conditions: list[ColumnElement[bool]]) -> list[FacetValue]:
    if name == "kind":
        rows = db.session.execute(
            select(Resource.kind, func.count()).where(*conditions).group_by(Resource.kind)
        ).all()
        order = {kind: position for position, kind in enumerate(KINDS)}
        return [FacetValue(kind, count) for kind, count in sorted(rows, key=lambda r: order[r[0]])]
    if name == "city":
        rows = db.session.execute(
            select(Resource.city, func.count())
            .where(*conditions)
            .group_by(Resource.city)
            .order_by(Resource.city)
        ).all()
        return [FacetValue(city, count) for city, count in rows]
    if name == "organisation":
        key, model, link = Resource.organisation_id, Organisation, None
    elif name == "cluster":
        key, model, link = resource_clusters.c.cluster_id, Cluster, resource_clusters
    else:
        key, model, link = resource_value_chains.c.value_chain_id, ValueChain, resource_value_chains
    query = select(key, func.count()).select_from(Resource)
    if link is not None:
        query = query.join(link, link.c.resource_id == Resource.id)
    counts = dict(db.session.execute(query.where(*conditions).group_by(key)).all())
    if not counts:
        return []
    order = {Organisation: Organisation.name, Cluster: Cluster.code, ValueChain: ValueChain.id}
    rows = db.session.execute(
        select(model).where(model.id.in_(counts)).order_by(order[model])
    ).scalars()
    return [FacetValue(row.id, counts[row.id], row) for row in rows]


# What a resource's page and its JSON need, loaded with the resource in a few queries.
RESOURCE_LOADING = (
    selectinload(Resource.organisation),
    selectinload(Resource.clusters),
    selectinload(Resource.value_chains),
    selectinload(Resource.managers),
    selectinload(Resource.co_owners),
    selectinload(Resource.opening_hours),
)


def _load(resource_id: int) -> Resource | None:
    if not _valid_id(resource_id):
        return None
    return db.session.execute(
        select(Resource).where(Resource.id == resource_id).options(*RESOURCE_LOADING)
    ).scalar_one_or_none()


def get_resource(user: User | None, resource_id: int) -> Resource:
    """The resource, or NotFound when it does not exist or `user` may not see it."""
    return permissions.require_visible(user, _load(resource_id))


def get_managed_resource(user: User | None, resource_id: int) -> Resource:
    """The resource, if `user` may manage it (NotFound if invisible, Forbidden otherwise)."""
    return permissions.require_manager(user, _load(resource_id))


def can_manage(user: User | None, resource: Resource) -> bool:
    return permissions.can_manage_resource(user, resource)


def visible_children(user: User | None, resources: Iterable[Resource]) -> dict[int, list[Resource]]:
    """For each resource, the resources inside it that `user` may see, by name."""
    children: dict[int, list[Resource]] = {resource.id: [] for resource in resources}
    if not children:
        return children
    rows = db.session.execute(
        select(Resource)
        .where(Resource.parent_id.in_(children), permissions.visible_resources_clause(user))
        .order_by(Resource.name, Resource.id)
    ).scalars()
    for child in rows:
        children[child.parent_id].append(child)
    return children


def visible_parent(user: User | None, resource: Resource) -> Resource | None:
    if resource.parent_id is None:
        return None
    parent = db.session.get(Resource, resource.parent_id)
    return parent if parent is not None and permissions.can_see_resource(user, parent) else None


def manageable_resources(user: User, *, page: int = 1, per_page: int = 50) -> SearchResult:
    """The resources `user` may manage, by name (no facets)."""
    clause = permissions.manageable_resources_clause(user)
    total = db.session.execute(
        select(func.count()).select_from(Resource).where(clause)
    ).scalar_one()
    items = list(
        db.session.execute(
            select(Resource)
            .where(clause)
            .order_by(Resource.name, Resource.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .options(selectinload(Resource.organisation))
        ).scalars()
    )
    return SearchResult(items=items, total=total, page=page, per_page=per_page, facets={})


def manages_anything(user: User | None) -> bool:
    if user is None:
        return False
    if user.is_network_admin or user.is_org_admin:
        return True
    return (
        db.session.execute(
            select(resource_managers.c.resource_id)
            .where(resource_managers.c.user_id == user.id)
            .limit(1)
        ).first()
        is not None
    )


def organisations_for_new_resource(user: User | None) -> list[Organisation]:
    """The organisations `user` may create resources for."""
    if user is None:
        return []
    if user.is_network_admin:
        return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())
    if user.is_org_admin:
        return [user.organisation]
    return []


def joint_labs_for(user: User, *, excluding: int | None = None) -> list[Resource]:
    """The joint labs in which `user` may place a resource."""
    labs = db.session.execute(
        select(Resource)
        .where(
            Resource.kind == "joint_lab",
            permissions.visible_resources_clause(user),
            Resource.id != (excluding or 0),
        )
        .order_by(Resource.name)
        .options(selectinload(Resource.managers), selectinload(Resource.co_owners))
    ).scalars()
    return [lab for lab in labs if permissions.can_manage_resource(user, lab)]


def user_ids_by_email(emails: Iterable[str]) -> tuple[list[int], list[str]]:
    """The ids of the users with these emails, in the given order, and the unknown emails."""
    wanted = list(dict.fromkeys(email.strip().lower() for email in emails if email.strip()))
    found = dict(
        db.session.execute(select(User.email, User.id).where(User.email.in_(wanted))).all()
    )
    return [found[e] for e in wanted if e in found], [e for e in wanted if e not in found]


# --- Organisations -----------------------------------------------------------------------------


def _visible_resource_counts(user: User | None) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Resource.organisation_id, func.count())
            .where(permissions.visible_resources_clause(user))
            .group_by(Resource.organisation_id)
        ).all()
    )


def list_organisations(
    user: User | None, *, page: int = 1, per_page: int = 50
) -> tuple[list[tuple[Organisation, int]], int]:
    """Organisations by name, each with the number of its resources that `user` may see."""
    total = db.session.execute(select(func.count()).select_from(Organisation)).scalar_one()
    organisations = db.session.execute(
        select(Organisation)
        .order_by(Organisation.name)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(selectinload(Organisation.clusters))
    ).scalars()
    counts = _visible_resource_counts(user)
    return [(org, counts.get(org.id, 0)) for org in organisations], total


def get_organisation(user: User | None, slug: str) -> tuple[Organisation, list[Resource]]:
    """The organisation and the resources it owns or co-owns that `user` may see."""
    organisation = db.session.execute(
        select(Organisation)
        .where(Organisation.slug == slug)
        .options(selectinload(Organisation.clusters))
    ).scalar_one_or_none()
    if organisation is None:
        raise NotFound(N_("No such organisation."))
    co_owned = select(resource_co_owners.c.resource_id).where(
        resource_co_owners.c.organisation_id == organisation.id
    )
    resources = list(
        db.session.execute(
            select(Resource)
            .where(
                or_(Resource.organisation_id == organisation.id, Resource.id.in_(co_owned)),
                permissions.visible_resources_clause(user),
            )
            .order_by(Resource.name, Resource.id)
            .options(selectinload(Resource.clusters), selectinload(Resource.organisation))
        ).scalars()
    )
    return organisation, resources


def all_clusters() -> list[Cluster]:
    return list(
        db.session.execute(
            select(Cluster).order_by(Cluster.code).options(selectinload(Cluster.value_chains))
        ).scalars()
    )


def all_organisations() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())


# --- Creating and editing resources ------------------------------------------------------------


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
        elif name in _INTEGERS:
            minimum, maximum, nullable = _INTEGERS[name]
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
    ids = [i for i in ids if _valid_id(i)]
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
        parent = _load(state["parent_id"])
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
    return db.session.get(Organisation, organisation_id) if _valid_id(organisation_id) else None


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
    if not permissions.can_create_resource_for(user, organisation_id):
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
    db.session.commit()
    return resource


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
        _valid_id(new_owner)
        and new_owner != resource.organisation_id
        and not (
            permissions.can_create_resource_for(user, resource.organisation_id)
            and permissions.can_create_resource_for(user, new_owner)
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
    _apply(resource, state, rows, now)
    db.session.commit()
    return resource


# --- Opening hours -----------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def _minutes(text: Any, *, end: bool) -> int | None:
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        return None
    return hours * 60 + minutes


def clock_time(minute: int) -> str:
    """Minutes after local midnight as HH:MM (1440 is 24:00, the end of the day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekly_schedule(resource: Resource) -> dict[str, list[list[str]]]:
    """{"mon": [["08:00", "18:00"]], ..., "sun": []} in the resource's local time."""
    weekly: dict[str, list[list[str]]] = {day: [] for day in WEEKDAYS}
    for span in sorted(resource.opening_hours, key=lambda s: (s.weekday, s.start_minute)):
        weekly[WEEKDAYS[span.weekday]].append(
            [clock_time(span.start_minute), clock_time(span.end_minute)]
        )
    return weekly


def get_opening_hours(user: User | None, resource_id: int) -> dict[str, list[list[str]]]:
    return weekly_schedule(get_resource(user, resource_id))


def _read_weekly(weekly: Any) -> list[tuple[int, int, int]]:
    if not isinstance(weekly, Mapping):
        raise InvalidInput({"weekly": N_("must be an object with the days mon to sun")})
    errors: dict[str, str] = {}
    spans: list[tuple[int, int, int]] = []
    for day, ranges in weekly.items():
        key = f"weekly.{day}"
        if day not in WEEKDAYS:
            errors[key] = N_("is not a day (mon, tue, wed, thu, fri, sat, sun)")
            continue
        if ranges is None:
            ranges = []
        if not isinstance(ranges, list | tuple):
            errors[key] = N_('must be a list of ranges such as ["08:00", "18:00"]')
            continue
        parsed = []
        for pair in ranges:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                errors[key] = N_('must be a list of ranges such as ["08:00", "18:00"]')
                break
            start, end = _minutes(pair[0], end=False), _minutes(pair[1], end=True)
            if start is None or end is None:
                errors[key] = N_("times must be HH:MM, from 00:00 to 24:00")
                break
            if start >= end:
                errors[key] = N_("each range must end after it starts")
                break
            parsed.append((start, end))
        if key in errors:
            continue
        parsed.sort()
        if any(later[0] < earlier[1] for earlier, later in pairwise(parsed)):
            errors[key] = N_("ranges of one day must not overlap")
            continue
        weekday = WEEKDAYS.index(day)
        spans.extend((weekday, start, end) for start, end in parsed)
    if errors:
        raise InvalidInput(errors)
    return spans


def set_opening_hours(
    user: User | None, resource_id: int, weekly: Any, *, now: datetime
) -> dict[str, list[list[str]]]:
    """Replace the weekly schedule; days left out are closed, and a schedule without any range
    leaves the resource open at all hours."""
    resource = get_managed_resource(user, resource_id)
    spans = _read_weekly(weekly)
    resource.opening_hours = [
        OpeningHours(weekday=weekday, start_minute=start, end_minute=end)
        for weekday, start, end in spans
    ]
    resource.updated_at = now
    db.session.commit()
    return weekly_schedule(resource)


# --- Blackouts ---------------------------------------------------------------------------------


def blackouts_query(
    user: User | None,
    resource_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select:
    """The blackouts of a resource that `user` manages, overlapping [start, end) when given.

    Everyone who sees the resource learns of its coming closures from its page (and of every
    closed span from its availability); the list with its management details is the managers'."""
    resource = get_managed_resource(user, resource_id)
    query = select(Blackout).where(Blackout.resource_id == resource.id)
    if start is not None:
        query = query.where(Blackout.end_at > start)
    if end is not None:
        query = query.where(Blackout.start_at < end)
    return query.order_by(Blackout.start_at, Blackout.id)


def list_blackouts(
    user: User | None,
    resource_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Blackout]:
    return list(
        db.session.execute(blackouts_query(user, resource_id, start=start, end=end)).scalars()
    )


def upcoming_blackouts(resource: Resource, *, now: datetime, limit: int = 20) -> list[Blackout]:
    """Blackouts not yet over of the resource and of the joint lab around it (they apply too)."""
    ids = [resource.id] if resource.parent_id is None else [resource.id, resource.parent_id]
    return list(
        db.session.execute(
            select(Blackout)
            .where(Blackout.resource_id.in_(ids), Blackout.end_at > now)
            .order_by(Blackout.start_at, Blackout.id)
            .limit(limit)
        ).scalars()
    )


def _aware(value: Any) -> bool:
    return (
        isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None
    )


def create_blackout(
    user: User | None,
    resource_id: int,
    *,
    start: datetime,
    end: datetime,
    reason: str = "",
    now: datetime,
) -> Blackout:
    """Close a resource for [start, end); both must be aware datetimes."""
    resource = get_managed_resource(user, resource_id)
    errors: dict[str, str] = {}
    for name, value in (("start", start), ("end", end)):
        if not _aware(value):
            errors[name] = N_("needs a time zone offset")
        elif not in_calendar(value):
            errors[name] = OUT_OF_CALENDAR
    if not errors and end <= start:
        errors["end"] = N_("must be after the start")
    reason = (reason or "").strip()
    if len(reason) > 300:
        errors["reason"] = N_("is too long")
    if errors:
        raise InvalidInput(errors)
    blackout = Blackout(
        resource_id=resource.id,
        start_at=start,
        end_at=end,
        reason=reason,
        created_by_id=user.id,
        created_at=now,
    )
    db.session.add(blackout)
    db.session.commit()
    return blackout


def get_blackout(user: User | None, blackout_id: int) -> Blackout:
    """A blackout of a resource that `user` may see."""
    blackout = db.session.get(Blackout, blackout_id) if _valid_id(blackout_id) else None
    if blackout is None:
        raise NotFound(N_("No such blackout."))
    get_resource(user, blackout.resource_id)
    return blackout


def delete_blackout(user: User | None, blackout_id: int) -> int:
    """Remove a blackout; returns the id of its resource."""
    blackout = get_blackout(user, blackout_id)
    resource_id = blackout.resource_id
    get_managed_resource(user, resource_id)
    db.session.delete(blackout)
    db.session.commit()
    return resource_id


def local_instant(resource: Resource, moment: datetime) -> datetime:
    """A wall-clock time at the resource as an aware datetime; refuses times skipped by a clock
    change, and takes the first of a time that happens twice."""
    zone = ZoneInfo(resource.timezone)
    aware = moment.replace(tzinfo=zone, fold=0)
    if aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != moment:
        raise ValueError("nonexistent local time")
    return aware


# --- Qualifications ----------------------------------------------------------------------------


def qualifications_query(user: User | None, resource_id: int) -> Select:
    """Who is trained on the resource (managers only), by name."""
    resource = get_managed_resource(user, resource_id)
    return (
        select(Qualification)
        .join(User, User.id == Qualification.user_id)
        .where(Qualification.resource_id == resource.id)
        .order_by(User.name, Qualification.id)
        .options(selectinload(Qualification.user))
    )


def list_qualifications(user: User | None, resource_id: int) -> list[Qualification]:
    return list(db.session.execute(qualifications_query(user, resource_id)).scalars())


def local_today(resource: Resource, *, now: datetime) -> date:
    """The date at the resource now: qualifications are valid up to a day there."""
    return now.astimezone(ZoneInfo(resource.timezone)).date()


def grant_qualification(
    user: User | None,
    resource_id: int,
    *,
    user_id: int,
    expires_on: date | None = None,
    now: datetime,
) -> tuple[Qualification, bool]:
    """Record that a user is trained on the resource until `expires_on` (None: no expiry).

    Granting again changes the expiry. Returns the qualification and whether it is new.
    """
    resource = get_managed_resource(user, resource_id)
    errors: dict[str, str] = {}
    if not _valid_id(user_id) or db.session.get(User, user_id) is None:
        errors["user_id"] = N_("must be the id of a user")
    if expires_on is not None and expires_on < local_today(resource, now=now):
        errors["expires_on"] = N_("must not be in the past")
    if errors:
        raise InvalidInput(errors)
    granter_id = user.id
    existing = _qualification_of(resource.id, user_id)
    if existing is None:
        qualification = Qualification(
            resource_id=resource.id,
            user_id=user_id,
            expires_on=expires_on,
            granted_by_id=granter_id,
            created_at=now,
        )
        db.session.add(qualification)
        try:
            db.session.commit()
            return qualification, True
        except IntegrityError:
            # Someone granted the same qualification at the same moment: update theirs.
            db.session.rollback()
            existing = _qualification_of(resource_id, user_id)
            if existing is None:
                raise
    existing.expires_on = expires_on
    existing.granted_by_id = granter_id
    db.session.commit()
    return existing, False


def _qualification_of(resource_id: int, user_id: int) -> Qualification | None:
    return db.session.execute(
        select(Qualification).where(
            Qualification.resource_id == resource_id, Qualification.user_id == user_id
        )
    ).scalar_one_or_none()


def revoke_qualification(user: User | None, qualification_id: int) -> int:
    """Remove a qualification; returns the id of its resource."""
    qualification = (
        db.session.get(Qualification, qualification_id) if _valid_id(qualification_id) else None
    )
    if qualification is None:
        raise NotFound(N_("No such qualification."))
    resource_id = qualification.resource_id
    get_managed_resource(user, resource_id)
    db.session.delete(qualification)
    db.session.commit()
    return resource_id
