"""Why a booking is refused: one Violation per broken rule, with the codes of booking-rules.md."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from booking.services.errors import DomainError

MESSAGES = {
    "invalid_interval": _l("The end must be after the start."),
    "min_duration": _l("A booking lasts at least %(minutes)s minutes here."),
    "max_duration": _l("A booking lasts at most %(minutes)s minutes here."),
    "misaligned": _l("Start and end must fall on the %(minutes)s-minute grid of this resource."),
    "lead_time": _l("Bookings must be made at least %(hours)s hours in advance."),
    "horizon": _l("Bookings can be made at most %(days)s days in advance."),
    "in_past": _l("This time has already begun."),
    "closed": _l("The resource is closed at some time in this interval."),
    "blackout": _l("The resource is unavailable then: %(reason)s."),
    "overlap": _l("The resource is already booked then."),
    "capacity": _l("Not enough capacity left: %(free)s of %(capacity)s units are free then."),
    "buffer": _l("Too close to another booking: set-up and cleaning time must stay free."),
    "parent_booked": _l("The joint lab that contains this resource is booked then."),
    "child_booked": _l("A resource inside this joint lab is booked then."),
    "not_qualified": _l(
        "This resource requires training, and you hold no valid qualification for it."
    ),
    "quota": _l(
        "Your organisation's monthly quota of %(quota)s hours on this resource would be exceeded "
        "(%(used)s hours already used in %(month)s)."
    ),
    "not_visible": _l("No such resource."),
    "duplicate_request": _l("You already have a booking or request for this resource then."),
    "nonexistent_local_time": _l(
        "%(time)s does not exist on that day: the clocks move forward for summer time."
    ),
    "ambiguous_local_time": _l(
        "%(time)s happens twice on that day (the clocks move back): give an explicit UTC offset."
    ),
}

# The longer message of a code when the violation carries this parameter.
DETAILED_MESSAGES = {
    ("not_qualified", "until"): _l(
        "Your qualification for this resource is valid up to and including %(until)s only: "
        "book within it, or ask its managers to renew it."
    ),
    ("closed", "holiday"): _l("The resource is closed for a public holiday: %(holiday)s."),
}

# Violations that mean the input itself is invalid (HTTP 422), not that the calendar refuses it.
INPUT_CODES = frozenset({"invalid_interval"})


@dataclass
class Violation:
    code: str
    start: datetime | None = None
    end: datetime | None = None
    booking_id: int | None = None
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        if not self.params:
            return str(MESSAGES[self.code])
        detailed = (DETAILED_MESSAGES.get((self.code, name)) for name in self.params)
        template = next((message for message in detailed if message), MESSAGES[self.code])
        return str(template) % self.params


class BookingRefused(DomainError):
    """Every rule a booking (or a series) breaks, not only the first."""

    def __init__(self, violations: list[Violation]):
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations

    @property
    def is_invalid_input(self) -> bool:
        return all(v.code in INPUT_CODES for v in self.violations)
