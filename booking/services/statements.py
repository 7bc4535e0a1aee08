"""Monthly statements: the confirmed bookings of a month with the price each was estimated at when
it was booked, per organisation (what its people booked on any resource) and per resource (what
every organisation booked on it), as CSV.

A booking belongs to the calendar month in which it starts in its resource's local time, so a
booking at 00:30 on 1 January in Rome is January's even though it is still 31 December in UTC.

Who may read them: a network admin any; an organisation admin their organisation's, and those of
the resources their organisation owns; a resource's managers that resource's.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Booking, Organisation, Resource, User
from booking.services import catalogue, permissions
from booking.services.errors import Forbidden, InvalidInput, NotFound
from booking.services.quotas import next_month

# Where the network is; the zone of "this month" when no resource says otherwise.
NETWORK_ZONE = ZoneInfo("Europe/Rome")
BAD_MONTH = "must be a month written YYYY-MM"
HEADER = (
    "booking_id",
    "date",
    "start",
    "end",
    "resource",
    "organisation",
    "requester",
    "hours",
    "quantity",
    "rate_category",
    "price_estimate_eur",
)
CENT = Decimal("0.01")
# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class StatementLine:
    booking_id: int
    start: datetime  # in the resource's local time
    end: datetime
    resource: str
    organisation: str
    requester: str
    hours: Decimal
    quantity: int
    rate_category: str | None
    price: Decimal  # zero where the booking's rate category books for free


@dataclass(frozen=True)
class Statement:
    kind: str  # "organisation" or "resource"
    subject_id: int
    subject: str
    month: date
    lines: list[StatementLine]

    @property
    def total_hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), Decimal("0.00"))

    @property
    def total_price(self) -> Decimal:
        return sum((line.price for line in self.lines), Decimal("0.00"))

    @property
    def filename(self) -> str:
        return f"statement-{self.kind}-{self.subject_id}-{self.month:%Y-%m}.csv"


@dataclass(frozen=True)
class Subjects:
    """The statements a user may read."""

    organisations: list[Organisation]
    resources: list[Resource]

    def __bool__(self) -> bool:
        return bool(self.organisations or self.resources)


def parse_month(text: str | None) -> date:
    """The first day of the month written `YYYY-MM`; InvalidInput (field `month`) otherwise."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", (text or "").strip())
    if match is None:
        raise InvalidInput({"month": BAD_MONTH})
    year, month = int(match.group(1)), int(match.group(2))
    if not (catalogue.FIRST_YEAR <= year <= catalogue.LAST_YEAR and 1 <= month <= 12):
        raise InvalidInput({"month": BAD_MONTH})
    return date(year, month, 1)


def current_month(now: datetime) -> date:
    """The first day of the month that `now` falls in, in the network's zone."""
    return now.astimezone(NETWORK_ZONE).date().replace(day=1)


def statement_subjects(user: User) -> Subjects:
    """The organisations and resources whose statements `user` may read, by name."""
    if user.is_network_admin:
        organisations = list(
            db.session.execute(select(Organisation).order_by(Organisation.name)).scalars()
        )
    elif user.is_org_admin:
        organisations = [db.session.get(Organisation, user.organisation_id)]
    else:
        organisations = []
    resources = list(
        db.session.execute(
            select(Resource)
            .where(permissions.manageable_resources_clause(user))
            .order_by(Resource.name, Resource.id)
            .options(selectinload(Resource.organisation))
        ).scalars()
    )
    return Subjects(organisations, resources)


def organisation_statement(user: User, organisation_id: int, month: date) -> Statement:
    """The confirmed bookings that the organisation's people made on any resource in `month`."""
    organisation = (
        db.session.get(Organisation, organisation_id)
        if catalogue.valid_id(organisation_id)
        else None
    )
    if organisation is None:
        raise NotFound("No such organisation.")
    if not permissions.administers_organisation(user, organisation.id):
        raise Forbidden("Only the organisation's admins may read its statements.")
    bookings = _confirmed_in(
        select(Booking).where(Booking.organisation_id == organisation.id), month
    )
    lines = [_line(booking, organisation.name) for booking in bookings]
    return Statement("organisation", organisation.id, organisation.name, month, lines)


def resource_statement(user: User, resource_id: int, month: date) -> Statement:
    """The confirmed bookings of every organisation on the resource in `month`."""
    resource = catalogue.get_managed_resource(user, resource_id)
    bookings = _confirmed_in(select(Booking).where(Booking.resource_id == resource.id), month)
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_({booking.organisation_id for booking in bookings})
            )
        ).all()
    )
    lines = [_line(booking, names[booking.organisation_id]) for booking in bookings]
    return Statement("resource", resource.id, resource.name, month, lines)


def _confirmed_around(month: date):
    """Confirmed bookings that may start in `month` in their resource's zone: no zone is more
    than a day away from UTC, so those starting from a day before to a day after it."""
    lo = datetime.combine(month, time.min, tzinfo=UTC) - timedelta(days=1)
    hi = datetime.combine(next_month(month), time.min, tzinfo=UTC) + timedelta(days=1)
    return and_(Booking.status == "confirmed", Booking.start_at >= lo, Booking.start_at < hi)


def resources_booked_around(month: date) -> Select:
    """The ids of the resources that may have a statement line in `month` (a superset: each
    statement keeps only the bookings whose local start falls in the month)."""
    return select(Booking.resource_id).where(_confirmed_around(month))


def _confirmed_in(query: Select, month: date) -> list[Booking]:
    """The confirmed bookings of `query` that start in `month`, each in its resource's zone."""
    rows = db.session.execute(
        query.where(_confirmed_around(month))
        .order_by(Booking.start_at, Booking.id)
        .options(selectinload(Booking.resource), selectinload(Booking.requester))
    ).scalars()
    return [
        booking
        for booking in rows
        if _local(booking.start_at, booking.resource).date().replace(day=1) == month
    ]


def _local(moment: datetime, resource: Resource) -> datetime:
    return moment.astimezone(ZoneInfo(resource.timezone))


def _line(booking: Booking, organisation: str) -> StatementLine:
    seconds = Decimal((booking.end_at - booking.start_at).total_seconds())
    return StatementLine(
        booking_id=booking.id,
        start=_local(booking.start_at, booking.resource),
        end=_local(booking.end_at, booking.resource),
        resource=booking.resource.name,
        organisation=organisation,
        requester=booking.requester.name,
        hours=(seconds / 3600).quantize(CENT, rounding=ROUND_HALF_UP),
        quantity=booking.quantity,
        rate_category=booking.rate_category,
        price=Decimal(booking.price_estimate or 0).quantize(CENT, rounding=ROUND_HALF_UP),
    )


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(statement: Statement) -> str:
    """The statement as CSV: a header row, one row per booking (local dates and times, hours and
    euros with two decimals and a decimal point), then a `total` row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in statement.lines:
        writer.writerow(
            (
                line.booking_id,
                line.start.date().isoformat(),
                line.start.isoformat(timespec="minutes"),
                line.end.isoformat(timespec="minutes"),
                _text(line.resource),
                _text(line.organisation),
                _text(line.requester),
                f"{line.hours:.2f}",
                line.quantity,
                line.rate_category or "",
                f"{line.price:.2f}",
            )
        )
    blanks = [""] * 6
    writer.writerow(
        ["total", *blanks, f"{statement.total_hours:.2f}", "", "", f"{statement.total_price:.2f}"]
    )
    return out.getvalue()
