"""How domain objects look in JSON."""

from datetime import UTC, datetime
from decimal import Decimal

from booking.models import Organisation, User


def instant(value: datetime | None) -> str | None:
    """UTC with a `Z`, as the contract promises for every response."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "organisation_id": user.organisation_id,
        "roles": user.roles,
        "active": user.active,
        "locale": user.locale,
    }


def organisation_json(organisation: Organisation) -> dict:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "slug": organisation.slug,
        "type": organisation.type,
        "city": organisation.city,
        "vat_number": organisation.vat_number,
        "accredited": organisation.accredited,
        "description": organisation.description,
        "website": organisation.website,
        "clusters": [cluster.id for cluster in organisation.clusters],
    }
