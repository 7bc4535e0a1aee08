"""The network's Clust-ERs and member organisations.

Every user may read organisations and clusters; only network admins create and edit
organisations (permissions.can_edit_organisation).
"""

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Cluster, Organisation, User
from booking.models.network import ORGANISATION_TYPES
from booking.services import history, vat
from booking.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.services.permissions import can_edit_organisation
from booking.services.transaction import flush_or_raise, writing

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 120


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# Marks a field that an update leaves as it is (None is a value: "clear it").
UNSET: Any = _Unset()


class AlreadyTaken(Conflict):
    """A value that must be unique (a name, a slug, a VAT number, an email) is already in use."""

    def __init__(self, field: str, detail: str):
        super().__init__(detail)
        self.field = field


def clusters_query() -> Select:
    """Every Clust-ER with its value chains, by code."""
    return select(Cluster).options(selectinload(Cluster.value_chains)).order_by(Cluster.code)


def organisations_query(
    *,
    q: str | None = None,
    type: str | None = None,
    cluster_id: int | None = None,
    city: str | None = None,
) -> Select:
    """Organisations by name, filtered by a search in the name, type, Clust-ER and city."""
    if type is not None and type not in ORGANISATION_TYPES:
        raise InvalidInput({"type": "must be one of " + ", ".join(ORGANISATION_TYPES)})
    query = select(Organisation).options(selectinload(Organisation.clusters))
    if q:
        query = query.where(func.lower(Organisation.name).contains(q.lower(), autoescape=True))
    if type is not None:
        query = query.where(Organisation.type == type)
    if cluster_id is not None:
        query = query.where(Organisation.clusters.any(Cluster.id == cluster_id))
    if city:
        query = query.where(func.lower(Organisation.city) == city.strip().lower())
    return query.order_by(Organisation.name)


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.execute(
        select(Organisation)
        .options(selectinload(Organisation.clusters))
        .where(Organisation.id == organisation_id)
    ).scalar_one_or_none()
    if organisation is None:
        raise NotFound("No such organisation.")
    return organisation


def require_organisation_editor(acting: User | None, organisation: Organisation | None = None):
    """Forbidden unless `acting` may create organisations, or edit `organisation` when given."""
    # A new, empty organisation stands for "any organisation" when none is given.
    if not can_edit_organisation(acting, organisation or Organisation()):
        raise Forbidden("Only network admins may create or edit organisations.")


@writing()
def create_organisation(
    acting: User | None,
    *,
    name: str,
    type: str,
    city: str,
    slug: str | None = None,
    vat_number: str | None = None,
    accredited: bool = False,
    description: str = "",
    website: str | None = None,
    cluster_ids: Iterable[int] = (),
    now: datetime,
) -> Organisation:
    """A new organisation; the slug is made from the name unless one is given."""
    require_organisation_editor(acting)
    organisation = Organisation(description="")
    _assign(
        organisation,
        {
            "name": name,
            "slug": slug,
            "type": type,
            "city": city,
            "vat_number": vat_number,
            "accredited": accredited,
            "description": description,
            "website": website,
            "cluster_ids": cluster_ids,
        },
    )
    db.session.add(organisation)
    _save()
    history.record_creation(organisation, acting, now)
    return organisation


@writing()
def update_organisation(
    acting: User | None,
    organisation_id: int,
    *,
    name: str = UNSET,
    slug: str | None = UNSET,
    type: str = UNSET,
    city: str = UNSET,
    vat_number: str | None = UNSET,
    accredited: bool = UNSET,
    description: str = UNSET,
    website: str | None = UNSET,
    cluster_ids: Iterable[int] = UNSET,
    now: datetime,
) -> Organisation:
    """Change the given fields; an empty slug is made again from the (new) name."""
    organisation = get_organisation(organisation_id)
    require_organisation_editor(acting, organisation)
    changes = {
        key: value
        for key, value in {
            "name": name,
            "slug": slug,
            "type": type,
            "city": city,
            "vat_number": vat_number,
            "accredited": accredited,
            "description": description,
            "website": website,
            "cluster_ids": cluster_ids,
        }.items()
        if value is not UNSET
    }
    before = history.snapshot(organisation)
    _assign(organisation, changes)
    _save()
    history.record_update(organisation, before, acting, now)
    return organisation


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Università di Parma" → "universita-di-parma"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-") or "organisation"


def _assign(organisation: Organisation, changes: dict[str, Any]) -> None:
    """Validate `changes`, listing every invalid field, then set them on `organisation`.

    Nothing is set unless every change is valid, so a refused change leaves nothing dirty in
    the session.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = _text(changes["name"], 200, "name", "Please give a name.", errors)
    if "city" in changes:
        clean["city"] = _text(changes["city"], 120, "city", "Please give a city.", errors)
    if "type" in changes:
        if changes["type"] in ORGANISATION_TYPES:
            clean["type"] = changes["type"]
        else:
            errors["type"] = "must be one of " + ", ".join(ORGANISATION_TYPES)
    if "slug" in changes:
        slug = (changes["slug"] or "").strip().lower()
        if slug and (len(slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.match(slug)):
            errors["slug"] = "A slug has lower-case letters, digits and single hyphens only."
        clean["slug"] = slug or None
    if "vat_number" in changes:
        clean["vat_number"] = None
        if changes["vat_number"] and changes["vat_number"].strip():
            try:
                clean["vat_number"] = vat.normalise(changes["vat_number"])
            except vat.InvalidVatNumber as error:
                errors["vat_number"] = str(error)
    if "website" in changes:
        website = (changes["website"] or "").strip()
        if website and not website.startswith(("http://", "https://")):
            errors["website"] = "A website address starts with http:// or https://."
        elif len(website) > 300:
            errors["website"] = "must be at most 300 characters"
        clean["website"] = website or None
    if "description" in changes:
        clean["description"] = (changes["description"] or "").strip()
    if "accredited" in changes:
        clean["accredited"] = bool(changes["accredited"])
    if "cluster_ids" in changes:
        clean["clusters"] = _clusters(changes["cluster_ids"], errors)
    if errors:
        raise InvalidInput(errors)

    if "slug" in clean and clean["slug"] is None:
        clean["slug"] = _free_slug(slugify(clean.get("name", organisation.name)), organisation.id)
    _raise_if_taken(clean, organisation.id)
    for key, value in clean.items():
        setattr(organisation, key, value)


def _text(value: Any, max_length: int, field: str, missing: str, errors: dict) -> str | None:
    text = (value or "").strip()
    if not text:
        errors[field] = missing
    elif len(text) > max_length:
        errors[field] = f"must be at most {max_length} characters"
    return text


def _clusters(cluster_ids: Iterable[int], errors: dict) -> list[Cluster]:
    wanted = list(dict.fromkeys(cluster_ids))
    if not wanted:
        return []
    found = db.session.execute(select(Cluster).where(Cluster.id.in_(wanted))).scalars().all()
    missing = sorted(set(wanted) - {cluster.id for cluster in found})
    if missing:
        errors["clusters"] = "Unknown cluster: " + ", ".join(str(m) for m in missing)
    return sorted(found, key=lambda cluster: cluster.id)


def _free_slug(base: str, own_id: int | None) -> str:
    """`base`, or `base-2`, `base-3`... whichever no other organisation uses."""
    taken = set(
        db.session.execute(
            select(Organisation.slug).where(
                Organisation.slug.startswith(base, autoescape=True),
                Organisation.id != (own_id or 0),
            )
        ).scalars()
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
    return candidate


def _raise_if_taken(clean: dict[str, Any], own_id: int | None) -> None:
    others = select(Organisation.id).where(Organisation.id != (own_id or 0))
    name, slug, vat_number = clean.get("name"), clean.get("slug"), clean.get("vat_number")
    if (
        name
        and db.session.execute(others.where(func.lower(Organisation.name) == name.lower())).first()
    ):
        raise AlreadyTaken("name", "An organisation with this name already exists.")
    if slug and db.session.execute(others.where(Organisation.slug == slug)).first():
        raise AlreadyTaken("slug", "Another organisation already uses this slug.")
    if (
        vat_number
        and db.session.execute(others.where(Organisation.vat_number == vat_number)).first()
    ):
        raise AlreadyTaken("vat_number", "An organisation with this VAT number already exists.")


def _save() -> None:
    flush_or_raise(
        Conflict("Another organisation with this name, slug or VAT number was just saved.")
    )
