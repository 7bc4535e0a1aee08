"""Which rate applies to whom, and what a booking is estimated to cost."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from booking.models import Organisation, Resource
from booking.models.network import ACADEMIC_TYPES

CURRENCY = "EUR"


def rate_category(organisation: Organisation, resource: Resource) -> str:
    """internal (an owner), network (shares a Clust-ER with the resource), academic (research,
    university and training bodies), industry (businesses, start-ups, consortia, others)."""
    if organisation.id in resource.owner_organisation_ids:
        return "internal"
    if {c.id for c in organisation.clusters} & {c.id for c in resource.clusters}:
        return "network"
    if organisation.type in ACADEMIC_TYPES:
        return "academic"
    return "industry"


def estimate(
    resource: Resource, category: str, start: datetime, end: datetime, quantity: int
) -> Decimal | None:
    """Hours × rate × quantity, to the cent; None where the category books for free."""
    rate = resource.rate(category)
    if rate is None:
        return None
    hours = Decimal((end - start).total_seconds()) / Decimal(3600)
    return (hours * rate * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
