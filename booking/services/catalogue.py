"""The catalogue: finding resources and organisations, loading a resource for a user who may see
or manage it, and the local time at a resource. Editing resources is in services/resources.py,
their opening hours, blackouts and qualifications in modules of their own.

Error messages are English and marked with `N_()`: the API answers them as they are, the pages
translate them when they show them next to a form field.

"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
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
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import (
    Cluster,
    Organisation,
    Resource,
    User,
    ValueChain,
)
from booking.models.resources import (
    KINDS,
    resource_clusters,
    resource_co_owners,
    resource_managers,
    resource_value_chains,
)
from booking.services import permissions
from booking.services.errors import InvalidInput, NotFound


def N_(message: str) -> str:
    """Mark a message for translation; whoever shows it to a person translates it."""
    return message


DEFAULT_TIMEZONE = "Europe/Rome"
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
# Ids are 32-bit in the database: a larger one names nothing, and PostgreSQL refuses to bind it.
MAX_ID = 2**31 - 1
# Outside these years nothing is booked, and converting between time zones may overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2999
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
OUT_OF_CALENDAR = N_("must lie between the years 1900 and 2999")
NOT_A_KIND = N_("must be instrument, pilot_installation or joint_lab")


def valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def id_from_text(text: str) -> int | None:
    """The id written in `text` (ASCII digits only), or None when it names no possible id.

    `str.isdigit()` also accepts digits such as "²" that `int()` refuses, and `int()` accepts
    signs, spaces, underscores and other scripts' digits: none of them spell an id.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if valid_id(value) else None


NUL_CHARACTERS = N_("must not contain NUL characters")
NOT_UNICODE = N_("must be valid Unicode text")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can: PostgreSQL refuses NUL characters in
    text, and neither database can encode an unpaired surrogate (which JSON can spell)."""
    if "\x00" in text:
        return NUL_CHARACTERS
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return NOT_UNICODE
    return None


def is_aware(value: object) -> bool:
    """Whether `value` is a datetime that knows its offset from UTC."""
    return isinstance(value, datetime) and value.utcoffset() is not None


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
    if isinstance(ref, int):
        return [ref] if valid_id(ref) else []
    text = ref.strip()
    if text.isascii() and text.isdigit():
        found = id_from_text(text)
        return [] if found is None else [found]
    return list(
        db.session.execute(
            select(model.id).where(func.lower(code_column) == text.lower())
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
        raise InvalidInput({"kind": NOT_A_KIND})
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


def load_resource_details(resource_id: int) -> Resource | None:
    if not valid_id(resource_id):
        return None
    return db.session.execute(
        select(Resource).where(Resource.id == resource_id).options(*RESOURCE_LOADING)
    ).scalar_one_or_none()


def get_resource(user: User | None, resource_id: int) -> Resource:
    """The resource, or NotFound when it does not exist or `user` may not see it."""
    return permissions.require_visible(user, load_resource_details(resource_id))


def get_managed_resource(user: User | None, resource_id: int) -> Resource:
    """The resource, if `user` may manage it (NotFound if invisible, Forbidden otherwise)."""
    return permissions.require_manager(user, load_resource_details(resource_id))


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


# --- Local time at a resource ------------------------------------------------------------------


def local_instant(resource: Resource, moment: datetime) -> datetime:
    """A wall-clock time at the resource as an aware datetime; refuses times skipped by a clock
    change, and takes the first of a time that happens twice."""
    zone = ZoneInfo(resource.timezone)
    aware = moment.replace(tzinfo=zone, fold=0)
    if aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != moment:
        raise ValueError("nonexistent local time")
    return aware


def local_today(resource: Resource, *, now: datetime) -> date:
    """The date at the resource now: qualifications are valid up to a day there."""
    return now.astimezone(ZoneInfo(resource.timezone)).date()
