"""The network the benchmark builds: organisations, people, 1,000 resources and their calendars.

Everything is derived from a seed and the moment the run starts, so the big and the small database
hold the same organisations, users and resources (same ids) and differ only in their bookings.

Each resource has, on every day it opens, a *fill window* (local time) where the generated bookings
go and, after it, a *bench window* that the fill never touches: the benchmark books there, so every
measured booking lands on a free slot and is accepted. Joint labs and their instruments share
opening hours; the instruments fill the morning, the lab the early afternoon, so the generated
calendar itself obeys the parent_booked / child_booked rules.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from booking.services.holidays import holidays

ROME = ZoneInfo("Europe/Rome")
PASSWORD = "bench-password-not-secret"
# Generated bookings cover this many days before and after the start of the run.
HISTORY_DAYS = 365
FUTURE_DAYS = 365
# Benchmark bookings go on days in this range after the start of the run: past every lead
# time, inside every horizon.
BENCH_FIRST_DAY = 3
BENCH_LAST_DAY = 330
JOINT_LABS = 12
INSTRUMENTS_PER_LAB = 3
HTTP_CLIENT_USERS = 8

WEEKDAYS = (0, 1, 2, 3, 4)
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


def hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


@dataclass(frozen=True)
class Schedule:
    """Opening hours (empty: open at all hours) and where the fill and the benchmark book."""

    days: tuple[int, ...]
    ranges: tuple[tuple[int, int], ...]
    fill: tuple[int, int]
    bench: tuple[int, int]

    def fill_segments(self) -> list[tuple[int, int]]:
        """The parts of the fill window that are open (one per opening range it crosses)."""
        lo, hi = self.fill
        if not self.ranges:
            return [(lo, hi)]
        return [(max(a, lo), min(b, hi)) for a, b in self.ranges if max(a, lo) < min(b, hi)]


OFFICE = Schedule(WEEKDAYS, ((hm(8), hm(18)),), (hm(8), hm(16)), (hm(16), hm(18)))
SPLIT_SHIFT = Schedule(
    WEEKDAYS, ((hm(7), hm(13)), (hm(14), hm(20))), (hm(7), hm(18)), (hm(18), hm(20))
)
SIX_DAYS = Schedule((0, 1, 2, 3, 4, 5), ((hm(9), hm(17)),), (hm(9), hm(15)), (hm(15), hm(17)))
ALWAYS_OPEN = Schedule(ALL_DAYS, (), (hm(6), hm(20)), (hm(20), hm(22)))
LAB = Schedule(WEEKDAYS, ((hm(8), hm(18)),), (hm(12), hm(16)), (hm(16), hm(18)))
LAB_INSTRUMENT = Schedule(WEEKDAYS, ((hm(8), hm(18)),), (hm(8), hm(12)), (hm(16), hm(18)))


@dataclass
class ResourcePlan:
    id: int
    name: str
    kind: str
    organisation_id: int
    parent_id: int | None
    schedule: Schedule
    capacity: int
    slot_minutes: int
    buffer_before: int
    buffer_after: int
    visibility: str
    approval: str
    lead_time_hours: int
    horizon_days: int
    max_duration: int | None
    monthly_quota_hours: int | None
    rate: int | None
    cluster_ids: list[int]
    manager_id: int
    weight: float
    blackout_days: set[date] = field(default_factory=set)

    @property
    def family_root(self) -> int:
        return self.parent_id or self.id


@dataclass(frozen=True)
class OrganisationPlan:
    id: int
    name: str
    slug: str
    type: str
    city: str
    cluster_ids: list[int]


@dataclass(frozen=True)
class UserPlan:
    id: int
    email: str
    name: str
    organisation_id: int
    is_org_admin: bool


@dataclass
class Plan:
    now: datetime
    organisations: list[OrganisationPlan]
    users: list[UserPlan]
    resources: list[ResourcePlan]
    service_user_id: int
    http_user_ids: list[int]

    @property
    def first_day(self) -> date:
        return self.now.astimezone(ROME).date() - timedelta(days=HISTORY_DAYS)

    @property
    def last_day(self) -> date:
        return self.now.astimezone(ROME).date() + timedelta(days=FUTURE_DAYS)

    def resource(self, resource_id: int) -> ResourcePlan:
        return self.resources[resource_id - 1]

    def user(self, user_id: int) -> UserPlan:
        return self.users[user_id - 1]

    def closed_by_blackout(self, resource: ResourcePlan, day: date) -> bool:
        """A blackout of the resource or of its joint lab covers the day."""
        if day in resource.blackout_days:
            return True
        return (
            resource.parent_id is not None
            and day in self.resource(resource.parent_id).blackout_days
        )

    def closed_by_holiday(self, resource: ResourcePlan, day: date) -> bool:
        """A public holiday of the resource's municipality (its organisation's city) is the day."""
        city = self.organisations[resource.organisation_id - 1].city
        return day in holidays(day.year, city)

    def visible_to(self, resource: ResourcePlan, user: UserPlan) -> bool:
        if resource.visibility == "network" or resource.organisation_id == user.organisation_id:
            return True
        if resource.visibility == "clusters":
            organisation = self.organisations[user.organisation_id - 1]
            return bool(set(resource.cluster_ids) & set(organisation.cluster_ids))
        return False


ORGANISATIONS = (
    ("Tecnopolo di Bologna", "research_lab", "Bologna"),
    ("Università di Parma: Laboratori", "university", "Parma"),
    ("Centro Ceramico Faenza", "innovation_centre", "Faenza"),
    ("Meccanica Emiliana S.p.A.", "business", "Modena"),
    ("Romagna Food Lab", "consortium", "Cesena"),
    ("Fotonica Reggio", "startup", "Reggio Emilia"),
    ("Istituto Ferrara Materiali", "research_lab", "Ferrara"),
    ("Piacenza Energia", "training_body", "Piacenza"),
)
KINDS = ("instrument", "instrument", "instrument", "pilot_installation")
INSTRUMENT_NAMES = (
    "Electron microscope",
    "X-ray diffractometer",
    "Mass spectrometer",
    "3D metal printer",
    "Climatic chamber",
    "Wind tunnel",
    "NMR spectrometer",
    "Laser cutter",
    "Bioreactor",
    "Pilot extruder",
)


def make_plan(seed: int, now: datetime, resources: int, cluster_ids: list[int]) -> Plan:
    """The same network for the same seed, whatever the number of bookings."""
    rng = random.Random(seed)
    organisations = [
        OrganisationPlan(
            id=n,
            name=name,
            slug=f"bench-org-{n}",
            type=kind,
            city=city,
            cluster_ids=sorted(rng.sample(cluster_ids, rng.randint(1, 3))),
        )
        for n, (name, kind, city) in enumerate(ORGANISATIONS, start=1)
    ]
    users: list[UserPlan] = []

    def add_user(organisation_id: int, label: str, is_org_admin: bool = False) -> UserPlan:
        user = UserPlan(
            id=len(users) + 1,
            email=f"{label}{len(users) + 1}@bench.example.org",
            name=f"{label.title()} {len(users) + 1}",
            organisation_id=organisation_id,
            is_org_admin=is_org_admin,
        )
        users.append(user)
        return user

    for organisation in organisations:
        add_user(organisation.id, "admin", is_org_admin=True)
        for _ in range(5):
            add_user(organisation.id, "member")
    service_user = add_user(1, "bench")
    http_users = [add_user(n % len(organisations) + 1, "client") for n in range(HTTP_CLIENT_USERS)]
    members_by_organisation: dict[int, list[int]] = {}
    for user in users:
        members_by_organisation.setdefault(user.organisation_id, []).append(user.id)

    plans: list[ResourcePlan] = []

    def add_resource(**fields) -> ResourcePlan:
        organisation_id = fields.pop("organisation_id", None) or rng.randint(1, len(organisations))
        capacity = 1 if rng.random() < 0.8 else rng.randint(2, 8)
        slot = rng.choice((15, 30, 30, 60))
        plan = ResourcePlan(
            id=len(plans) + 1,
            name=f"{rng.choice(INSTRUMENT_NAMES)} {len(plans) + 1}",
            kind=fields.pop("kind", rng.choice(KINDS)),
            organisation_id=organisation_id,
            parent_id=fields.pop("parent_id", None),
            schedule=fields.pop("schedule"),
            capacity=capacity,
            slot_minutes=slot,
            # Buffers no longer than a slot, so a day's window still holds a few bookings.
            buffer_before=rng.choice((0, 0, 0, 15)) if slot <= 30 else 0,
            buffer_after=min(rng.choice((0, 0, 15, 30)), slot),
            visibility=rng.choices(("network", "clusters", "organisation"), (85, 10, 5))[0],
            approval=rng.choice(("none", "external", "external", "always")),
            lead_time_hours=rng.choice((0, 0, 24, 48)),
            horizon_days=400,
            max_duration=rng.choice((None, None, 240)),
            monthly_quota_hours=rng.choice((None,) * 9 + (400,)),
            rate=rng.choice((None, None, 40, 120)),
            cluster_ids=sorted(rng.sample(cluster_ids, rng.randint(1, 2))),
            manager_id=rng.choice(members_by_organisation[organisation_id]),
            weight=fields.pop("weight", rng.uniform(0.5, 1.5)),
        )
        assert not fields, fields
        plans.append(plan)
        return plan

    for _ in range(JOINT_LABS):
        lab = add_resource(kind="joint_lab", schedule=LAB, weight=0.5)
        for _ in range(INSTRUMENTS_PER_LAB):
            add_resource(
                parent_id=lab.id,
                organisation_id=lab.organisation_id,
                schedule=LAB_INSTRUMENT,
                weight=0.5,
            )
    schedules = (OFFICE,) * 12 + (SPLIT_SHIFT,) * 3 + (SIX_DAYS,) * 3 + (ALWAYS_OPEN,) * 2
    while len(plans) < resources:
        add_resource(schedule=rng.choice(schedules))

    first_day = now.astimezone(ROME).date() - timedelta(days=HISTORY_DAYS)
    span = HISTORY_DAYS + FUTURE_DAYS
    for plan in rng.sample(plans, len(plans) // 10):
        plan.blackout_days = {
            first_day + timedelta(days=rng.randrange(span)) for _ in range(rng.randint(1, 3))
        }
    return Plan(now, organisations, users, plans, service_user.id, [u.id for u in http_users])


def distribute(total: int, weights: list[float]) -> list[int]:
    """Whole shares of `total` proportional to `weights` that add up to `total` exactly."""
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: shares[i] - weights[i] * scale)
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def open_days(plan: Plan, resource: ResourcePlan, first: date, last: date) -> list[date]:
    """The days in [first, last] on which the resource opens and no blackout closes it."""
    days = []
    day = first
    while day <= last:
        if day.weekday() in resource.schedule.days and not plan.closed_by_blackout(resource, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def local_to_utc(day: date, minute: int) -> datetime:
    """A wall-clock minute of a day in Rome as a UTC instant (fill and bench windows keep clear
    of the small hours, where summer time changes)."""
    # Adding to an aware datetime moves its wall clock; the offset is then the one in force.
    local = datetime(day.year, day.month, day.day, tzinfo=ROME) + timedelta(minutes=minute)
    return local.astimezone(UTC)


def day_origin(day: date) -> datetime:
    """The instant that wall-clock minutes of `day` in Rome count from, valid from 03:00 on (after
    any change of summer time that night), where every fill and bench window lies."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ROME)
    return noon.astimezone(UTC) - timedelta(hours=12)


def ceil_to(value: int, step: int) -> int:
    return -(-value // step) * step


BENCH_MINUTES = 60


class SlotPicker:
    """Free one-hour slots for the benchmark's own bookings, each used once.

    A slot lies in a resource's bench window on a future day when it opens, so the generated
    calendar leaves it free. One day of a joint-lab family is used at most once, so that a
    booking of the lab and one of its instruments never meet.
    """

    def __init__(self, plan: Plan, rng: random.Random):
        self.plan = plan
        self.rng = rng
        self.today = plan.now.astimezone(ROME).date()
        self.used: set[tuple[int, date]] = set()

    def visible_resources(self, user_id: int) -> list[ResourcePlan]:
        user = self.plan.user(user_id)
        return [r for r in self.plan.resources if self.plan.visible_to(r, user)]

    def take(self, resource: ResourcePlan) -> tuple[datetime, datetime]:
        for _ in range(1000):
            day = self.today + timedelta(days=self.rng.randint(BENCH_FIRST_DAY, BENCH_LAST_DAY))
            key = (resource.family_root, day)
            if (
                day.weekday() in resource.schedule.days
                and not self.plan.closed_by_blackout(resource, day)
                and not self.plan.closed_by_holiday(resource, day)
                and key not in self.used
            ):
                self.used.add(key)
                start = resource.schedule.bench[0] + ceil_to(
                    resource.buffer_before, resource.slot_minutes
                )
                origin = day_origin(day)
                return (
                    origin + timedelta(minutes=start),
                    origin + timedelta(minutes=start + BENCH_MINUTES),
                )
        raise RuntimeError(f"no free bench slot left on resource {resource.id}")
