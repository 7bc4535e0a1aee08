"""The booking rules of booking-rules.md, checked against a snapshot of the calendar.

A RuleBook is loaded once per booking action, inside the locks, with a bounded number of queries
(bookings of the resource family, blackouts, holiday openings when a public holiday falls in the
window, the qualification, the quota usage), then checks any number of occurrences in memory.
Occurrences accepted earlier in a series are added to it, so that the later ones are checked
against them too.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking.extensions import db
from booking.models import Blackout, Booking, Resource, User
from booking.models.bookings import LIVE_STATUSES
from booking.services import quotas
from booking.services.holiday_openings import closures_of
from booking.services.permissions import can_manage_resource, sees_booking_details
from booking.services.qualifications import qualification_of
from booking.services.schedule import is_open_throughout, open_intervals
from booking.services.timeutil import last_local_day, minutes, overlaps
from booking.services.violations import Violation


@dataclass
class Held:
    """A booking as the rules see it (a stored one, or an occurrence accepted a moment ago)."""

    id: int | None
    resource_id: int
    requester_id: int
    organisation_id: int
    start: datetime
    end: datetime
    blocked_start: datetime
    blocked_end: datetime
    quantity: int
    status: str

    @classmethod
    def of(cls, booking: Booking) -> "Held":
        return cls(
            booking.id,
            booking.resource_id,
            booking.requester_id,
            booking.organisation_id,
            booking.start_at,
            booking.end_at,
            booking.blocked_start,
            booking.blocked_end,
            booking.quantity,
            booking.status,
        )


def blocked_span(resource: Resource, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return (
        start - timedelta(minutes=resource.buffer_before_minutes),
        end + timedelta(minutes=resource.buffer_after_minutes),
    )


class RuleBook:
    def __init__(
        self,
        *,
        resource: Resource,
        requester: User,
        viewer_manages: bool,
        viewer: User,
        now: datetime,
        window: tuple[datetime, datetime],
        ignore_booking_id: int | None = None,
        record_past_use: bool = False,
        notice_rules: bool = True,
    ):
        self.resource = resource
        self.zone = ZoneInfo(resource.timezone)
        self.requester = requester
        self.viewer = viewer
        # Whether the viewer sees the ids of conflicting bookings.
        self.viewer_manages = viewer_manages
        # A resource's managers need no qualification on it; anyone they book for does.
        self.requester_manages = can_manage_resource(requester, resource)
        self.now = now
        self.record_past_use = record_past_use
        # Lead time and horizon judge when a request is made; an approval later does not.
        self.notice_rules = notice_rules
        self.ignore_booking_id = ignore_booking_id
        self.parent_id = resource.parent_id
        self.child_ids = {child.id for child in resource.children}
        self.quota_applies = quotas.quota_applies(resource, requester.organisation_id)
        self._load(window)

    # -- loading -------------------------------------------------------------------------------

    def _load(self, window: tuple[datetime, datetime]) -> None:
        start, end = window
        resource = self.resource
        lo, hi = blocked_span(resource, start, end)
        family = [resource.id, *self.child_ids] + ([self.parent_id] if self.parent_id else [])
        rows = db.session.execute(
            select(Booking).where(
                Booking.resource_id.in_(family),
                Booking.status.in_(LIVE_STATUSES),
                Booking.blocked_end > lo,
                Booking.blocked_start < hi,
            )
        ).scalars()
        self.held = [Held.of(b) for b in rows if b.id != self.ignore_booking_id]

        owners = [resource.id] + ([self.parent_id] if self.parent_id else [])
        self.blackouts = list(
            db.session.execute(
                select(Blackout)
                .where(
                    Blackout.resource_id.in_(owners),
                    Blackout.end_at > start,
                    Blackout.start_at < end,
                )
                .order_by(Blackout.start_at)
            ).scalars()
        )
        self.open_spans = open_intervals(resource.opening_hours, self.zone, start, end)
        # The resource's own municipality decides, also inside a joint lab (its own city).
        self.holidays = closures_of(resource, start, end)
        self.qualification = (
            qualification_of(resource.id, self.requester.id)
            if resource.requires_qualification and not self.requester_manages
            else None
        )
        self.quota_used = (
            quotas.hours_used(
                resource,
                self.requester.organisation_id,
                start,
                end,
                ignore_booking_id=self.ignore_booking_id,
            )
            if self.quota_applies
            else {}
        )

    def _qualification(self, start: datetime, end: datetime) -> list[Violation]:
        """A qualification must still be valid on the (local) day the booking ends."""
        if not self.resource.requires_qualification or self.requester_manages:
            return []
        qualification = self.qualification
        if qualification is None:
            return [Violation("not_qualified", start, end)]
        last_day = last_local_day(start, end, self.zone)
        if qualification.is_valid_on(last_day):
            return []
        return [Violation("not_qualified", start, end, params={"until": qualification.expires_on})]

    # -- checking ------------------------------------------------------------------------------

    def accept(self, start: datetime, end: datetime, quantity: int, status: str) -> None:
        """Count an accepted occurrence of the same series against the ones after it."""
        lo, hi = blocked_span(self.resource, start, end)
        self.held.append(
            Held(
                None,
                self.resource.id,
                self.requester.id,
                self.requester.organisation_id,
                start,
                end,
                lo,
                hi,
                quantity,
                status,
            )
        )
        if self.quota_applies:
            quotas.add_usage(self.quota_used, start, end, self.zone)

    def check(self, start: datetime, end: datetime, quantity: int) -> list[Violation]:
        """Every rule that [start, end) with this quantity breaks."""
        violations: list[Violation] = []
        violations += self._durations(start, end)
        violations += self._alignment(start, end)
        violations += self._timing(start, end)
        if not is_open_throughout(self.open_spans, start, end):
            violations.append(Violation("closed", start, end))
        violations += self._holidays(start, end)
        violations += self._blackouts(start, end)
        violations += self.calendar_violations(start, end, quantity)
        violations += self._qualification(start, end)
        violations += self._quota(start, end)
        violations += self._duplicates(start, end)
        return violations

    def _durations(self, start: datetime, end: datetime) -> list[Violation]:
        length = minutes(end - start)
        resource = self.resource
        if length < resource.min_duration_minutes:
            return [
                Violation(
                    "min_duration", start, end, params={"minutes": resource.min_duration_minutes}
                )
            ]
        if resource.max_duration_minutes is not None and length > resource.max_duration_minutes:
            return [
                Violation(
                    "max_duration", start, end, params={"minutes": resource.max_duration_minutes}
                )
            ]
        return []

    def _alignment(self, start: datetime, end: datetime) -> list[Violation]:
        slot = self.resource.slot_minutes

        def on_grid(moment: datetime) -> bool:
            local = moment.astimezone(self.zone)
            return (
                local.second == 0
                and local.microsecond == 0
                and (local.hour * 60 + local.minute) % slot == 0
            )

        if on_grid(start) and on_grid(end):
            return []
        return [Violation("misaligned", start, end, params={"minutes": slot})]

    def _timing(self, start: datetime, end: datetime) -> list[Violation]:
        if self.record_past_use:
            return []
        resource = self.resource
        violations = []
        if start < self.now:
            violations.append(Violation("in_past", start, end))
        if (
            self.notice_rules
            and resource.lead_time_hours
            and start < self.now + timedelta(hours=resource.lead_time_hours)
        ):
            violations.append(
                Violation("lead_time", start, end, params={"hours": resource.lead_time_hours})
            )
        if self.notice_rules and start > self.now + timedelta(days=resource.horizon_days):
            violations.append(
                Violation("horizon", start, end, params={"days": resource.horizon_days})
            )
        return violations

    def _holidays(self, start: datetime, end: datetime) -> list[Violation]:
        """A public holiday closes the resource for its whole local day (booking-rules.md,
        "Added rules"): `closed`, like opening hours, and named."""
        return [
            Violation("closed", c.start, c.end, params={"holiday": c.holiday.lazy_name})
            for c in self.holidays
            if overlaps(c.start, c.end, start, end)
        ]

    def _blackouts(self, start: datetime, end: datetime) -> list[Violation]:
        return [
            Violation("blackout", b.start_at, b.end_at, params={"reason": b.reason or "—"})
            for b in self.blackouts
            if overlaps(b.start_at, b.end_at, start, end)
        ]

    def _visible_id(self, held: Held) -> int | None:
        return held.id if sees_booking_details(self.viewer, held, self.viewer_manages) else None

    def calendar_violations(self, start: datetime, end: datetime, quantity: int) -> list[Violation]:
        """Overlap, capacity and buffers on the resource itself; its joint lab and contents."""
        resource = self.resource
        lo, hi = blocked_span(resource, start, end)
        violations: list[Violation] = []
        mine: list[Held] = []
        for held in self.held:
            if held.status != "confirmed" or not overlaps(
                held.blocked_start, held.blocked_end, lo, hi
            ):
                continue
            if held.resource_id == resource.id:
                mine.append(held)
            elif held.resource_id == self.parent_id:
                violations.append(
                    Violation("parent_booked", held.start, held.end, self._visible_id(held))
                )
            elif held.resource_id in self.child_ids:
                violations.append(
                    Violation("child_booked", held.start, held.end, self._visible_id(held))
                )

        if resource.capacity == 1 and quantity == 1:
            for held in mine:
                code = "overlap" if overlaps(held.start, held.end, start, end) else "buffer"
                violations.append(Violation(code, held.start, held.end, self._visible_id(held)))
            return violations

        actual_peak = _peak([h for h in mine if overlaps(h.start, h.end, start, end)], start, end)
        blocked_peak = _peak(mine, lo, hi, blocked=True)
        if actual_peak + quantity > resource.capacity:
            free = max(resource.capacity - actual_peak, 0)
            violations.append(
                Violation(
                    "capacity", start, end, params={"free": free, "capacity": resource.capacity}
                )
            )
        elif blocked_peak + quantity > resource.capacity:
            for held in mine:
                if not overlaps(held.start, held.end, start, end):
                    violations.append(
                        Violation("buffer", held.start, held.end, self._visible_id(held))
                    )
        return violations

    def _quota(self, start: datetime, end: datetime) -> list[Violation]:
        if not self.quota_applies:
            return []
        quota = self.resource.monthly_quota_hours
        violations = []
        for month, lo, hi in quotas.months_touched(start, end, self.zone):
            hours = (min(end, hi) - max(start, lo)).total_seconds() / 3600
            used = self.quota_used.get(month, 0.0)
            if used + hours > quota + 1e-9:
                violations.append(
                    Violation(
                        "quota",
                        max(start, lo),
                        min(end, hi),
                        params={
                            "quota": quota,
                            "used": round(used, 2),
                            "month": month.strftime("%Y-%m"),
                        },
                    )
                )
        return violations

    def _duplicates(self, start: datetime, end: datetime) -> list[Violation]:
        return [
            Violation("duplicate_request", held.start, held.end, held.id)
            for held in self.held
            if held.resource_id == self.resource.id
            and held.requester_id == self.requester.id
            and overlaps(held.start, held.end, start, end)
        ]


def _peak(held: list[Held], start: datetime, end: datetime, blocked: bool = False) -> int:
    """The largest total quantity in use at one instant of [start, end)."""
    events: list[tuple[datetime, int]] = []
    for h in held:
        s, e = (h.blocked_start, h.blocked_end) if blocked else (h.start, h.end)
        s, e = max(s, start), min(e, end)
        if s < e:
            events.append((s, h.quantity))
            events.append((e, -h.quantity))
    peak = current = 0
    # Ends sort before starts at the same instant: intervals are half-open.
    for _, change in sorted(events, key=lambda event: (event[0], event[1])):
        current += change
        peak = max(peak, current)
    return peak
