"""Booking pages: the booking form, the week calendar, my bookings, finding a free slot.

People type dates and times as the resource's wall clock; the views hand them to the booking
service as naive local datetimes, and the service decides whether such a time exists and whether
every rule holds. A refusal comes back as violations, shown next to the part of the form they
concern, in the resource's local time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from booking.database import page_of
from booking.extensions import db
from booking.models import Booking, Resource, User
from booking.models.resources import KINDS
from booking.services import catalogue
from booking.services.availability import (
    Availability,
    find_free_slots,
    resource_availability,
)
from booking.services.booking import (
    MAX_PURPOSE,
    MAX_TITLE,
    BookingChange,
    BookingInput,
    BookingOutcome,
    cancel_booking,
    create_bookings,
    get_booking,
    update_booking,
)
from booking.services.catalogue import FIRST_YEAR, LAST_YEAR
from booking.services.clock import now
from booking.services.errors import Conflict, InvalidInput
from booking.services.permissions import can_manage_resource, visible_resources_clause
from booking.services.timeutil import wall_clock_to_utc
from booking.services.transaction import ResourceBusy
from booking.services.violations import BookingRefused, Violation
from booking.web.catalogue import LABELS, acting_user, page_number
from booking.web.forms import Form

bp = Blueprint("bookings", __name__)

STATUS_LABELS = {
    "pending": _l("Awaiting approval"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}
CLOSED_LABELS = {
    "closed": _l("Closed"),
    "blackout": _l("Unavailable"),
    "parent_booked": _l("Joint lab booked"),
    "child_booked": _l("Booked inside the lab"),
    "lead_time": _l("Too soon to book"),
    "horizon": _l("Too far ahead"),
    "past": _l("Past"),
}
RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_SEARCH_DAYS = 31
PAST_PER_PAGE = 20
UPCOMING_PER_PAGE = 50
FIND_PER_PAGE = 20
# Ids are 32-bit in the database: larger ones name nothing (and PostgreSQL refuses to bind them).
# The years the platform books in; beyond them date arithmetic and time zones overflow.
MAX_UNITS = 100_000


# --- Local time, as people read it --------------------------------------------------------------


def _locale() -> str:
    return str(get_locale())


def local_naive(resource: Resource, moment: datetime) -> datetime:
    """An instant as the resource's wall clock, without zone (what its form fields show)."""
    return moment.astimezone(ZoneInfo(resource.timezone)).replace(tzinfo=None)


def _day_label(day: date, pattern: str = "EEE d MMM y") -> str:
    return format_date(day, pattern, locale=_locale())


@bp.app_template_filter("booking_when")
def when(resource: Resource, start: datetime, end: datetime) -> str:
    """[start, end) in the resource's local time: "Tue 1 Dec 2026, 09:00–10:00"; an end at the
    following midnight reads 24:00, and an interval over several days names both days."""
    s, e = local_naive(resource, start), local_naive(resource, end)
    if s.date() == e.date():
        return f"{_day_label(s.date())}, {s:%H:%M}–{e:%H:%M}"
    if e.time() == time(0) and e.date() == s.date() + timedelta(days=1):
        return f"{_day_label(s.date())}, {s:%H:%M}–24:00"
    return f"{_day_label(s.date())} {s:%H:%M} – {_day_label(e.date())} {e:%H:%M}"


@bp.app_template_global()
def booking_status(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@bp.app_template_filter("booking_price")
def price(amount) -> str:
    return _("No charge") if amount is None else format_currency(amount, "EUR")


@bp.app_template_filter("booking_local_date")
def local_date(resource: Resource, moment: datetime) -> str:
    return local_naive(resource, moment).date().isoformat()


# --- The booking form ---------------------------------------------------------------------------


def _bookable_year(day: date | None) -> bool:
    return day is None or FIRST_YEAR <= day.year <= LAST_YEAR


def in_bookable_years(form, field):
    """WTForms validator: a date in the years the platform books."""
    if not _bookable_year(field.data):
        raise ValidationError(
            _("Choose a date from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


class _RequiredWhenRepeating:
    """Requires the field when the booking repeats and ends the way this field describes."""

    def __init__(self, ends: str, message):
        self.ends = ends
        self.message = message

    def __call__(self, form, field):
        typed = field.raw_data and str(field.raw_data[0]).strip()
        if form.repeat.data != "none" and form.ends.data == self.ends and not typed:
            field.errors[:] = []
            raise StopValidation(self.message)


class _BookingFields(Form):
    """What a booking and a change of it have in common; times are the resource's wall clock."""

    date = DateField(
        _l("Date"), validators=[InputRequired(message=_l("Choose a date.")), in_bookable_years]
    )
    start = TimeField(_l("From"), validators=[InputRequired(message=_l("Choose a start time."))])
    end = TimeField(
        _l("To"),
        validators=[InputRequired(message=_l("Choose an end time."))],
        description=_l("00:00 means midnight at the end of the day."),
    )
    end_date = DateField(
        _l("Ends on another day"),
        validators=[Optional(), in_bookable_years],
        description=_l("Only for bookings over several days."),
    )
    quantity = IntegerField(
        _l("Quantity"),
        default=1,
        validators=[
            InputRequired(message=_l("Say how many units.")),
            NumberRange(min=1, max=MAX_UNITS, message=_l("At least one unit.")),
        ],
    )
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("Give the booking a title.")), Length(max=MAX_TITLE)],
        description=_l("What the booking is for, in a few words."),
    )
    purpose = TextAreaField(
        _l("Purpose"),
        validators=[Length(max=MAX_PURPOSE)],
        description=_l("Optional: the project or the measurement, for the managers."),
    )


class BookingForm(_BookingFields):
    repeat = SelectField(
        _l("Repeat"),
        choices=[
            SelectChoice("none", _l("Does not repeat")),
            SelectChoice("daily", _l("Every day")),
            SelectChoice("weekly", _l("Every week")),
        ],
        default="none",
    )
    weekdays = SelectMultipleField(
        _l("On"),
        choices=[
            SelectChoice(code, LABELS["weekday"][day])
            for code, day in zip(RRULE_DAYS, LABELS["weekday"], strict=True)
        ],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("Weekly only; none chosen: the weekday of the first date."),
    )
    ends = RadioField(
        _l("Ends"),
        choices=[
            SelectChoice("count", _l("After a number of times")),
            SelectChoice("until", _l("On a date")),
        ],
        default="count",
    )
    count = IntegerField(
        _l("Number of times"),
        validators=[
            _RequiredWhenRepeating("count", _l("Say how many times.")),
            Optional(),
            NumberRange(min=1, max=366, message=_l("From 1 to 366 times.")),
        ],
    )
    until = DateField(
        _l("Last day"),
        validators=[
            _RequiredWhenRepeating("until", _l("Choose the last day.")),
            Optional(),
            in_bookable_years,
        ],
    )
    on_conflict = RadioField(
        _l("If some occurrences conflict"),
        choices=[
            SelectChoice("abort", _l("Book none of them")),
            SelectChoice("skip", _l("Skip them, book the others")),
        ],
        default="abort",
    )
    record_past_use = BooleanField(
        _l("Record past use"),
        description=_l("Managers only: record a use of the resource that has already begun."),
    )

    def validate_until(self, field):
        # field.data is None when the text was no date (that error is already on the field).
        if self.repeat.data == "none" or self.date.data is None or field.data is None:
            return
        if field.data < self.date.data:
            raise ValidationError(_("The last day must not be before the first."))


class ChangeForm(_BookingFields):
    pass


def _fit_to(form: _BookingFields, resource: Resource, user: User) -> _BookingFields:
    """Drop the fields that do not apply: quantity for a resource of capacity 1, recording past
    use for people who do not manage the resource."""
    if resource.capacity == 1:
        del form.quantity
    if hasattr(form, "record_past_use") and not can_manage_resource(user, resource):
        del form.record_past_use
    return form


def _prefill(form: BookingForm, args) -> None:
    """Dates and times from a link (the week calendar, the free-slot search); unreadable ones
    are left out rather than shown as errors."""
    readers = {"date": date.fromisoformat, "end_date": date.fromisoformat}
    readers |= {"start": time.fromisoformat, "end": time.fromisoformat}
    for name, read in readers.items():
        try:
            value = read(args.get(name, ""))
        except ValueError:
            continue
        if isinstance(value, time) or _bookable_year(value):
            form[name].data = value


def _local_interval(form: _BookingFields) -> tuple[datetime, datetime]:
    start = datetime.combine(form.date.data, form.start.data)
    if form.end_date.data is not None:
        return start, datetime.combine(form.end_date.data, form.end.data)
    end = datetime.combine(form.date.data, form.end.data)
    if form.end.data == time(0):
        end += timedelta(days=1)
    return start, end


def _rrule(form: BookingForm) -> str | None:
    """The RFC 5545 rule for the repeat fields, or None for a single booking."""
    if form.repeat.data == "none":
        return None
    parts = ["FREQ=DAILY" if form.repeat.data == "daily" else "FREQ=WEEKLY"]
    chosen = set(form.weekdays.data or ())
    if form.repeat.data == "weekly" and chosen:
        parts.append("BYDAY=" + ",".join(day for day in RRULE_DAYS if day in chosen))
    if form.ends.data == "until":
        parts.append(f"UNTIL={form.until.data:%Y%m%d}")
    else:
        parts.append(f"COUNT={form.count.data}")
    return ";".join(parts)


# --- Violations, next to what they concern ------------------------------------------------------

# Codes about when the booking is: shown next to the date and times.
INTERVAL_CODES = frozenset(
    {
        "invalid_interval",
        "min_duration",
        "max_duration",
        "misaligned",
        "lead_time",
        "horizon",
        "in_past",
        "closed",
        "blackout",
        "overlap",
        "buffer",
        "parent_booked",
        "child_booked",
        "nonexistent_local_time",
        "ambiguous_local_time",
    }
)
# Problems of the typed times themselves, the same for every occurrence of a series.
TIME_CODES = frozenset({"invalid_interval", "min_duration", "max_duration", "misaligned"})
# Their interval would only repeat what the message says (or what the user typed).
_NO_INTERVAL = frozenset({"invalid_interval", "nonexistent_local_time", "ambiguous_local_time"})


@dataclass
class Problem:
    """One reason for a refusal, with the intervals (local time) where it applies."""

    message: str
    whens: list[str] = field(default_factory=list)


@dataclass
class Problems:
    """A refusal sorted by the part of the form each problem concerns."""

    when: list[Problem] = field(default_factory=list)
    quantity: list[Problem] = field(default_factory=list)
    repeat: list[Problem] = field(default_factory=list)
    general: list[Problem] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.when or self.quantity or self.repeat or self.general)

    def add(self, group: str, message: str, shown: str = "") -> None:
        """Add a problem; the same message again (a series) only adds its interval."""
        problems = getattr(self, group)
        same = next((p for p in problems if p.message == message), None)
        if same is None:
            same = Problem(message)
            problems.append(same)
        if shown and shown not in same.whens:
            same.whens.append(shown)


def place_violations(
    violations: list[Violation], resource: Resource, *, series: bool, has_quantity: bool
) -> Problems:
    """Interval problems go next to the date and times (for a series, those of the calendar go
    next to the repeat fields, with the occurrences they concern), capacity next to the
    quantity, the rest on top."""
    problems = Problems()
    for violation in violations:
        shown = ""
        if violation.start and violation.end and violation.code not in _NO_INTERVAL:
            shown = when(resource, violation.start, violation.end)
        message = violation.message
        if violation.code == "ambiguous_local_time":
            # The form has no way to give an offset, which the service's message suggests.
            message = f"{message} {_('This form cannot tell the two apart: choose another time.')}"
        if violation.code == "capacity" and has_quantity:
            group = "quantity"
        elif violation.code in INTERVAL_CODES or violation.code == "capacity":
            group = "repeat" if series and violation.code not in TIME_CODES else "when"
        else:
            group = "general"
        if series and violation.code in TIME_CODES:
            shown = ""
        problems.add(group, message, shown)
    return problems


def _show_invalid(form: _BookingFields, error: InvalidInput) -> Problems:
    """The service's field errors (English msgids) next to the matching form fields."""
    problems = Problems()
    for name, message in error.errors.items():
        target = {"recurrence.on_conflict": "on_conflict"}.get(name, name)
        if target in ("start", "end") or name == "recurrence.rrule":
            problems.add("when" if target in ("start", "end") else "repeat", _(message))
        elif form._fields.get(target) is not None:
            form[target].errors = [*form[target].errors, _(message)]
        else:
            problems.add("general", _(message))
    return problems


def _busy_problem(error: ResourceBusy) -> Problems:
    problems = Problems()
    problems.add("general", _(error.detail))
    return problems


# --- Booking ------------------------------------------------------------------------------------


@dataclass
class Panel:
    form: BookingForm
    problems: Problems = field(default_factory=Problems)


@bp.app_context_processor
def _booking_panel():
    def booking_panel(resource: Resource) -> Panel:
        """The empty booking form for the resource page (logged-in visitors only)."""
        form = _fit_to(BookingForm(formdata=None), resource, acting_user())
        return Panel(form)

    return {"booking_panel": booking_panel}


def _flash_outcome(outcome: BookingOutcome, resource: Resource) -> None:
    first = outcome.bookings[0]
    pending = first.status == "pending"
    if outcome.series is None:
        values = {"title": first.title, "when": when(resource, first.start_at, first.end_at)}
        if pending:
            flash(_("Requested: awaiting approval. %(title)s, %(when)s.", **values), "success")
        else:
            flash(_("Booked: %(title)s, %(when)s.", **values), "success")
    else:
        count = len(outcome.bookings)
        if pending:
            message = ngettext(
                "Requested: awaiting approval. %(num)d occurrence.",
                "Requested: awaiting approval. %(num)d occurrences.",
                count,
            )
        else:
            message = ngettext("Booked: %(num)d occurrence.", "Booked: %(num)d occurrences.", count)
        flash(message, "success")
    if outcome.skipped:
        skipped = "; ".join(
            f"{when(resource, s.start, s.end)} ({s.violations[0].message})" for s in outcome.skipped
        )
        flash(
            ngettext(
                "%(num)d occurrence was skipped: %(list)s",
                "%(num)d occurrences were skipped: %(list)s",
                len(outcome.skipped),
                list=skipped,
            ),
            "info",
        )


@bp.route("/resources/<id:resource_id>/book", methods=["GET", "POST"])
@login_required
def new(resource_id: int):
    user = acting_user()
    resource = catalogue.get_resource(user, resource_id)
    form = _fit_to(BookingForm(), resource, user)
    problems, status = Problems(), 200
    if not form.is_submitted():
        _prefill(form, request.args)
    elif not form.validate():
        status = 422
    else:
        start, end = _local_interval(form)
        rrule = _rrule(form)
        data = BookingInput(
            resource_id=resource.id,
            start=start,
            end=end,
            title=form.title.data,
            purpose=form.purpose.data or "",
            quantity=form.quantity.data if form.quantity is not None else 1,
            rrule=rrule,
            on_conflict=form.on_conflict.data,
            record_past_use=form.record_past_use is not None and form.record_past_use.data,
        )
        try:
            outcome = create_bookings(user, data, now=now())
        except BookingRefused as refusal:
            problems = place_violations(
                refusal.violations,
                resource,
                series=rrule is not None,
                has_quantity=form.quantity is not None,
            )
            status = 422 if refusal.is_invalid_input else 409
        except InvalidInput as error:
            problems, status = _show_invalid(form, error), 422
        except ResourceBusy as error:
            problems, status = _busy_problem(error), 503
        else:
            _flash_outcome(outcome, resource)
            if outcome.series is None:
                return redirect(url_for("bookings.detail", booking_id=outcome.bookings[0].id))
            return redirect(url_for("bookings.mine"))
    return render_template(
        "bookings/new.html", form=form, resource=resource, problems=problems
    ), status


# --- The week calendar --------------------------------------------------------------------------


@dataclass
class Segment:
    """A stretch of a calendar cell: one slot (or one hour) of local time."""

    start: datetime
    end: datetime
    time: str
    state: str  # free, requested, busy, closed or blocked
    text: str
    url: str | None = None
    first: bool = True  # the first of a run with the same state and text in its day


@dataclass
class Cell:
    day: date
    segments: list[Segment]
    # "skipped": the hour does not exist that day (summer time starts);
    # "repeated": it happens twice (summer time ends), so the cell covers two hours.
    note: str = ""


@dataclass
class HourRow:
    label: str
    cells: list[Cell]


def _segment_minutes(slot_minutes: int) -> int:
    """The finest slot multiple of at least 15 minutes that divides an hour, else an hour."""
    for minutes in range(slot_minutes, 61, slot_minutes):
        if minutes >= 15 and 60 % minutes == 0:
            return minutes
    return 60


def _booking_length(resource: Resource, segment: timedelta) -> timedelta:
    """How long a booking opened from the calendar lasts at first: one segment, at least the
    shortest booking, on the slot grid, at most the longest booking."""
    slot = resource.slot_minutes
    minutes = max(int(segment.total_seconds() // 60), resource.min_duration_minutes)
    minutes = -(-minutes // slot) * slot
    if resource.max_duration_minutes:
        minutes = min(minutes, resource.max_duration_minutes)
    return timedelta(minutes=minutes)


def _hours_shown(resource: Resource, availability: Availability) -> range:
    """From the earliest opening to the latest closing of the week (all day without opening
    hours), widened to show every booking."""
    if not resource.opening_hours:
        return range(0, 24)
    first = min(o.start_minute for o in resource.opening_hours) // 60
    last = -(-max(o.end_minute for o in resource.opening_hours) // 60)
    for entry in availability.busy + availability.requested:
        s, e = local_naive(resource, entry["start"]), local_naive(resource, entry["end"])
        if s.date() != e.date():
            return range(0, 24)
        first, last = min(first, s.hour), max(last, e.hour + (1 if e.minute else 0))
    return range(first, last)


def _overlapping(entries: list[dict], lo: datetime, hi: datetime) -> list[dict]:
    return [e for e in entries if e["start"] < hi and lo < e["end"]]


def _segment_state(
    availability: Availability, lo: datetime, hi: datetime, moment: datetime
) -> tuple[str, str]:
    free = any(s <= lo and hi <= e for s, e in availability.free)
    busy = _overlapping(availability.busy, lo, hi)
    requested = _overlapping(availability.requested, lo, hi)
    if free and requested:
        return "requested", requested[0]["title"] or _("Requested")
    if free:
        return "free", _("Free")
    if busy:
        return "busy", busy[0]["title"] or _("Busy")
    closed = _overlapping(availability.closed, lo, hi)
    if closed:
        reason = closed[0]["reason"]
        if reason == "lead_time" and lo < moment:
            reason = "past"
        text = str(CLOSED_LABELS.get(reason, reason))
        if closed[0].get("detail"):
            text = f"{text}: {closed[0]['detail']}"
        return "closed", text
    if requested:
        return "requested", requested[0]["title"] or _("Requested")
    return "blocked", _("Set-up or cleaning time")


def _booking_link(resource: Resource, start: datetime, length: timedelta) -> str | None:
    """The booking form for a free segment, if its start is on the slot grid."""
    local_start = local_naive(resource, start)
    if (local_start.hour * 60 + local_start.minute) % resource.slot_minutes:
        return None
    local_end = local_start + length
    args = {
        "date": local_start.date().isoformat(),
        "start": f"{local_start:%H:%M}",
        "end": f"{local_end:%H:%M}",
    }
    if local_end.date() != local_start.date():
        args["end_date"] = local_end.date().isoformat()
    return url_for("bookings.new", resource_id=resource.id, **args)


def week_grid(
    resource: Resource, availability: Availability, days: list[date], moment: datetime
) -> list[HourRow]:
    """Rows of local hours, one cell per local day, each cell cut into segments whose state
    comes from the availability. Cells are bounded by local wall-clock hours turned into
    instants, so an hour skipped by summer time is empty and an hour repeated by its end holds
    two hours of segments."""
    zone = ZoneInfo(resource.timezone)
    step = timedelta(minutes=_segment_minutes(resource.slot_minutes))
    length = _booking_length(resource, step)
    rows = []
    for hour in _hours_shown(resource, availability):
        cells = []
        for day in days:
            midnight = datetime.combine(day, time())
            lo = wall_clock_to_utc(midnight + timedelta(hours=hour), zone)
            hi = wall_clock_to_utc(midnight + timedelta(hours=hour + 1), zone)
            if hi <= lo:
                cells.append(Cell(day, [], "skipped"))
                continue
            repeated = hi - lo > timedelta(hours=1)
            segments = []
            cursor = lo
            while cursor < hi:
                end = min(cursor + step, hi)
                state, text = _segment_state(availability, cursor, end, moment)
                url = None
                if state in ("free", "requested") and not repeated:
                    url = _booking_link(resource, cursor, length)
                segments.append(
                    Segment(cursor, end, f"{cursor.astimezone(zone):%H:%M}", state, text, url)
                )
                cursor = end
            cells.append(Cell(day, segments, "repeated" if repeated else ""))
        rows.append(HourRow(f"{hour:02d}:00", cells))
    for column in range(len(days)):
        previous = None
        for row in rows:
            for segment in row.cells[column].segments:
                segment.first = (segment.state, segment.text) != previous
                previous = (segment.state, segment.text)
    return rows


def _monday_of(text: str | None, today: date) -> date:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = today
    if not _bookable_year(day):
        day = today
    return day - timedelta(days=day.weekday())


@bp.get("/resources/<id:resource_id>/week")
@login_required
def week(resource_id: int):
    user = acting_user()
    resource = catalogue.get_resource(user, resource_id)
    zone = ZoneInfo(resource.timezone)
    moment = now()
    today = moment.astimezone(zone).date()
    monday = _monday_of(request.args.get("start"), today)
    days = [monday + timedelta(days=n) for n in range(7)]
    start = wall_clock_to_utc(datetime.combine(monday, time()), zone)
    end = wall_clock_to_utc(datetime.combine(monday + timedelta(days=7), time()), zone)
    availability = resource_availability(user, resource.id, start, end, now=moment)
    return render_template(
        "bookings/week.html",
        resource=resource,
        days=days,
        today=today,
        rows=week_grid(resource, availability, days, moment),
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        day_label=_day_label,
    )


# --- My bookings --------------------------------------------------------------------------------


def _may_cancel(booking: Booking, moment: datetime) -> bool:
    return booking.is_live and booking.end_at > moment


def _page_of_bookings(query: Select, order: tuple, page: int, per_page: int) -> tuple[list, int]:
    """One page of the bookings `query` selects, with their resources, and how many there are."""
    return page_of(query.order_by(*order).options(selectinload(Booking.resource)), page, per_page)


@bp.get("/bookings")
@login_required
def mine():
    user = acting_user()
    moment = now()
    mine_only = select(Booking).where(Booking.requester_id == user.id)
    upcoming_page = page_number("upcoming_page")
    upcoming, upcoming_total = _page_of_bookings(
        mine_only.where(Booking.end_at > moment),
        (Booking.start_at, Booking.id),
        upcoming_page,
        UPCOMING_PER_PAGE,
    )
    page = page_number()
    past, past_total = _page_of_bookings(
        mine_only.where(Booking.end_at <= moment),
        (Booking.start_at.desc(), Booking.id.desc()),
        page,
        PAST_PER_PAGE,
    )
    return render_template(
        "bookings/mine.html",
        upcoming=upcoming,
        upcoming_total=upcoming_total,
        upcoming_page=upcoming_page,
        upcoming_per_page=UPCOMING_PER_PAGE,
        past=past,
        past_total=past_total,
        page=page,
        per_page=PAST_PER_PAGE,
        moment=moment,
        may_cancel=_may_cancel,
    )


def _change_form(booking: Booking, resource: Resource, user: User) -> ChangeForm:
    start, end = local_naive(resource, booking.start_at), local_naive(resource, booking.end_at)
    same_day = end.date() == start.date() or (
        end.time() == time(0) and end.date() == start.date() + timedelta(days=1)
    )
    initial = {
        "date": start.date(),
        "start": start.time(),
        "end": end.time(),
        "end_date": None if same_day else end.date(),
        "quantity": booking.quantity,
        "title": booking.title,
        "purpose": booking.purpose,
    }
    return _fit_to(ChangeForm(data=initial), resource, user)


def _change(form: ChangeForm, booking: Booking, resource: Resource) -> BookingChange:
    """Title and purpose always; times and quantity only when they differ, so that renaming a
    booking that has begun does not re-check when it is."""
    start, end = _local_interval(form)
    quantity = form.quantity.data if form.quantity is not None else booking.quantity
    current = (local_naive(resource, booking.start_at), local_naive(resource, booking.end_at))
    texts = {"title": form.title.data, "purpose": form.purpose.data or ""}
    if (start, end) == current and quantity == booking.quantity:
        return BookingChange(**texts)
    return BookingChange(start=start, end=end, quantity=quantity, **texts)


@bp.route("/bookings/<id:booking_id>", methods=["GET", "POST"])
@login_required
def detail(booking_id: int):
    user = acting_user()
    booking = get_booking(user, booking_id)
    resource = booking.resource
    moment = now()
    form = _change_form(booking, resource, user)
    problems, status = Problems(), 200
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                update_booking(user, booking.id, _change(form, booking, resource), now=moment)
            except BookingRefused as refusal:
                problems = place_violations(
                    refusal.violations,
                    resource,
                    series=False,
                    has_quantity=form.quantity is not None,
                )
                status = 422 if refusal.is_invalid_input else 409
            except InvalidInput as error:
                problems, status = _show_invalid(form, error), 422
            except ResourceBusy as error:
                problems, status = _busy_problem(error), 503
            except Conflict as error:
                flash(_(error.detail), "error")
                return redirect(url_for("bookings.detail", booking_id=booking_id))
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("bookings.detail", booking_id=booking_id))
    return render_template(
        "bookings/detail.html",
        booking=booking,
        resource=resource,
        form=form,
        problems=problems,
        may_change=_may_cancel(booking, moment),
        manages=can_manage_resource(user, resource),
        rate_label=LABELS["rate"],
        week_of=local_naive(resource, booking.start_at).date(),
    ), status


@bp.post("/bookings/<id:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    try:
        cancel_booking(acting_user(), booking_id, now=now())
    except Conflict as error:
        flash(_(error.detail), "error")
    else:
        flash(_("The booking has been cancelled."), "success")
    if request.form.get("back") == "mine":
        return redirect(url_for("bookings.mine"))
    return redirect(url_for("bookings.detail", booking_id=booking_id))


# --- Finding a free slot ------------------------------------------------------------------------


class FindForm(Form):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    q = StringField(_l("Words"))
    kind = SelectField(_l("Kind"), default="")
    cluster = SelectField(_l("Clust-ER"), default="")
    value_chain = SelectField(_l("Value chain"), default="")
    organisation = SelectField(_l("Organisation"), default="")
    city = SelectField(_l("City"), default="")
    start_date = DateField(
        _l("From"), validators=[InputRequired(message=_l("Choose a date.")), in_bookable_years]
    )
    end_date = DateField(
        _l("To"), validators=[InputRequired(message=_l("Choose a date.")), in_bookable_years]
    )
    hours = IntegerField(
        _l("Hours"),
        default=1,
        validators=[Optional(), NumberRange(min=0, max=31 * 24, message=_l("Too long."))],
    )
    minutes = IntegerField(
        _l("Minutes"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=59, message=_l("From 0 to 59."))],
    )

    def validate_end_date(self, field):
        # field.data is None when the text was no date (that error is already on the field).
        if self.start_date.data is None or field.data is None:
            return
        if field.data < self.start_date.data:
            raise ValidationError(_("The last day must not be before the first."))
        if (field.data - self.start_date.data).days + 1 > MAX_SEARCH_DAYS:
            raise ValidationError(_("Search at most %(num)d days at a time.", num=MAX_SEARCH_DAYS))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.duration <= timedelta(0):
            self.minutes.errors = [
                *self.minutes.errors,
                _("The duration must be longer than zero."),
            ]
            return False
        return valid

    @property
    def duration(self) -> timedelta:
        return timedelta(hours=self.hours.data or 0, minutes=self.minutes.data or 0)


def _find_choices(form: FindForm, user: User) -> None:
    locale = _locale()
    anything = [SelectChoice("", _("Any"))]
    form.kind.choices = anything + [SelectChoice(kind, LABELS["kind"][kind]) for kind in KINDS]
    clusters = catalogue.all_clusters()
    form.cluster.choices = anything + [
        SelectChoice(str(c.id), f"{c.code} · {c.name(locale)}") for c in clusters
    ]
    form.value_chain.choices = anything + [
        SelectChoice(str(v.id), v.name(locale), optgroup=c.code)
        for c in clusters
        for v in c.value_chains
    ]
    form.organisation.choices = anything + [
        SelectChoice(str(o.id), o.name) for o in catalogue.all_organisations()
    ]
    cities = db.session.execute(
        select(Resource.city)
        .where(visible_resources_clause(user))
        .distinct()
        .order_by(Resource.city)
    ).scalars()
    form.city.choices = anything + [SelectChoice(city) for city in cities]


def filtered_resources(form: FindForm) -> Select:
    """The catalogue's selection for the find form (the search adds visibility)."""
    return catalogue.matching_resources(
        q=form.q.data,
        kind=form.kind.data or None,
        cluster=form.cluster.data or None,
        value_chain=form.value_chain.data or None,
        organisation=form.organisation.data or None,
        city=form.city.data or None,
    ).options(selectinload(Resource.organisation))


@bp.get("/find")
@login_required
def find():
    user = acting_user()
    moment = now()
    zone = ZoneInfo(catalogue.DEFAULT_TIMEZONE)
    searched = "start_date" in request.args
    form = FindForm(formdata=request.args if searched else None)
    _find_choices(form, user)
    if not searched:
        today = moment.astimezone(zone).date()
        form.start_date.data, form.end_date.data = today, today + timedelta(days=6)
    results, status = None, 200
    if searched and form.validate():
        start = wall_clock_to_utc(datetime.combine(form.start_date.data, time()), zone)
        end = wall_clock_to_utc(
            datetime.combine(form.end_date.data + timedelta(days=1), time()), zone
        )
        # A month of local days can last an hour longer than 31 days when summer time ends.
        end = min(end, start + timedelta(days=MAX_SEARCH_DAYS))
        try:
            results = find_free_slots(
                user, filtered_resources(form), start, end, form.duration, now=moment
            )
        except InvalidInput as error:
            form.form_errors.extend(_(message) for message in error.errors.values())
            status = 422
    elif searched:
        status = 422
    page = page_number()
    if results is not None:
        # The search ranks every match; a page shows a screenful of them, the earliest first.
        page = min(page, max(1, -(-len(results) // FIND_PER_PAGE)))
    return render_template(
        "bookings/find.html",
        form=form,
        results=results,
        shown=results[(page - 1) * FIND_PER_PAGE : page * FIND_PER_PAGE] if results else [],
        page=page,
        per_page=FIND_PER_PAGE,
        slot_url=lambda resource, slot: _booking_link(resource, slot[0], slot[1] - slot[0]),
        zone=catalogue.DEFAULT_TIMEZONE,
    ), status
