"""Fill a migrated database with the benchmark's network and N bookings, fast.

Rows are generated in Python and streamed with COPY (psycopg 3), never through the ORM. For the
bookings table, PostgreSQL's own advice for bulk loads is followed: its secondary indexes, foreign
keys and the exclusion constraint are dropped, the rows copied, then everything is re-created from
the definitions the migrations made (read back from the catalogue, so nothing is restated here).
Re-adding the foreign keys and the exclusion constraint also proves that the generated calendar
is consistent: no confirmed bookings of a capacity-1 resource overlap, buffers included.
"""

import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import psycopg
from werkzeug.security import generate_password_hash

from bench.plan import (
    PASSWORD,
    Plan,
    ResourcePlan,
    ceil_to,
    day_origin,
    distribute,
    local_to_utc,
    open_days,
)

ACADEMIC_TYPES = ("research_lab", "innovation_centre", "university", "training_body")
LONGEST_GENERATED_MINUTES = 180
# Precomputed: the generator adds hundreds of thousands of these.
MINUTES = [timedelta(minutes=m) for m in range(24 * 60 + 1)]
DAYS = [timedelta(days=d) for d in range(62)]
BOOKING_COLUMNS = (
    "id",
    "resource_id",
    "requester_id",
    "organisation_id",
    "start_at",
    "end_at",
    "blocked_start",
    "blocked_end",
    "exclusive",
    "quantity",
    "title",
    "purpose",
    "status",
    "rate_category",
    "price_estimate",
    "decision_reason",
    "created_at",
    "updated_at",
)


def cluster_ids(conn: psycopg.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM clusters ORDER BY id")]


def fill(conninfo: str, plan: Plan, bookings: int, seed: int) -> dict[str, float]:
    """Load the plan's network and `bookings` bookings; returns the seconds each phase took."""
    timings: dict[str, float] = {}
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        started = time.perf_counter()
        _copy_network(conn, plan, generate_password_hash(PASSWORD))
        conn.commit()
        timings["network"] = time.perf_counter() - started

        started = time.perf_counter()
        dropped = _drop_booking_indexes(conn)
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY bookings ({', '.join(BOOKING_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in booking_rows(plan, bookings, seed):
                copy.write_row(row)
        conn.commit()
        timings["copy"] = time.perf_counter() - started

        started = time.perf_counter()
        _restore_booking_indexes(conn, dropped)
        _reset_sequences(conn)
        conn.commit()
        timings["indexes"] = time.perf_counter() - started

    started = time.perf_counter()
    # Statistics for the planner, and the visibility map written now: otherwise autovacuum
    # would do it in the middle of the measurements.
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    timings["vacuum_analyze"] = time.perf_counter() - started
    return timings


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows) -> None:
    with (
        conn.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _copy_network(conn: psycopg.Connection, plan: Plan, password_hash: str) -> None:
    now = plan.now
    _copy(
        conn,
        "organisations",
        ("id", "name", "slug", "type", "city", "accredited", "description"),
        [(o.id, o.name, o.slug, o.type, o.city, True, "") for o in plan.organisations],
    )
    _copy(
        conn,
        "organisation_clusters",
        ("organisation_id", "cluster_id"),
        [(o.id, c) for o in plan.organisations for c in o.cluster_ids],
    )
    _copy(
        conn,
        "users",
        (
            "id",
            "email",
            "name",
            "password_hash",
            "organisation_id",
            "is_network_admin",
            "is_org_admin",
            "active",
            "created_at",
        ),
        [
            (
                u.id,
                u.email,
                u.name,
                password_hash,
                u.organisation_id,
                False,
                u.is_org_admin,
                True,
                now,
            )
            for u in plan.users
        ],
    )
    _copy(
        conn,
        "resources",
        (
            "id",
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
            "capacity",
            "slot_minutes",
            "min_duration_minutes",
            "max_duration_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "lead_time_hours",
            "horizon_days",
            "requires_qualification",
            "monthly_quota_hours",
            "rate_internal",
            "rate_network",
            "rate_academic",
            "rate_industry",
            "created_at",
            "updated_at",
        ),
        [_resource_row(plan, r) for r in plan.resources],
    )
    _copy(
        conn,
        "resource_clusters",
        ("resource_id", "cluster_id"),
        [(r.id, c) for r in plan.resources for c in r.cluster_ids],
    )
    _copy(
        conn,
        "resource_managers",
        ("resource_id", "user_id"),
        [(r.id, r.manager_id) for r in plan.resources],
    )
    _copy(
        conn,
        "opening_hours",
        ("resource_id", "weekday", "start_minute", "end_minute"),
        [
            (r.id, day, lo, hi)
            for r in plan.resources
            for day in (r.schedule.days if r.schedule.ranges else ())
            for lo, hi in r.schedule.ranges
        ],
    )
    _copy(
        conn,
        "blackouts",
        ("resource_id", "start_at", "end_at", "reason", "created_at"),
        [
            (r.id, local_to_utc(day, 0), local_to_utc(day, 24 * 60), "Maintenance", now)
            for r in plan.resources
            for day in sorted(r.blackout_days)
        ],
    )


def _resource_row(plan: Plan, r: ResourcePlan) -> tuple:
    organisation = plan.organisations[r.organisation_id - 1]
    rate = None if r.rate is None else Decimal(r.rate)
    return (
        r.id,
        r.name,
        r.kind,
        r.organisation_id,
        r.parent_id,
        "Europe/Rome",
        organisation.city,
        "",
        "",
        "[]",
        r.visibility,
        r.approval,
        r.capacity,
        r.slot_minutes,
        r.slot_minutes,
        r.max_duration,
        r.buffer_before,
        r.buffer_after,
        r.lead_time_hours,
        r.horizon_days,
        False,
        r.monthly_quota_hours,
        None,
        rate,
        rate,
        rate,
        plan.now,
        plan.now,
    )


def _rate_category(plan: Plan, resource: ResourcePlan, organisation_id: int) -> str:
    """As services/pricing.rate_category decides it for these organisations."""
    if organisation_id == resource.organisation_id:
        return "internal"
    organisation = plan.organisations[organisation_id - 1]
    if set(organisation.cluster_ids) & set(resource.cluster_ids):
        return "network"
    return "academic" if organisation.type in ACADEMIC_TYPES else "industry"


def booking_rows(plan: Plan, total: int, seed: int) -> Iterator[tuple]:
    """`total` bookings spread over the resources by their weights and over two years of their
    open days, never overlapping on one resource (buffers included), inside the fill windows."""
    rng = random.Random(seed)
    draw = rng.random
    counts = distribute(total, [r.weight for r in plan.resources])
    members: dict[int, list[int]] = {}
    for user in plan.users:
        members.setdefault(user.organisation_id, []).append(user.id)
    everyone = [user.id for user in plan.users]
    organisation_of = {user.id: user.organisation_id for user in plan.users}
    now = plan.now
    booking_id = 0
    for resource, count in zip(plan.resources, counts, strict=True):
        categories = {o.id: _rate_category(plan, resource, o.id) for o in plan.organisations}
        own_members = members[resource.organisation_id]
        rate = None if resource.rate is None else Decimal(resource.rate)
        before = timedelta(minutes=resource.buffer_before)
        after = timedelta(minutes=resource.buffer_after)
        exclusive = resource.capacity == 1
        for start, end, quantity in _calendar(plan, resource, count, rng):
            booking_id += 1
            pool = own_members if draw() < 0.5 else everyone
            requester_id = pool[int(draw() * len(pool))]
            organisation_id = organisation_of[requester_id]
            category = categories[organisation_id]
            price = None
            if rate is not None and category != "internal":
                hours = Decimal((end - start).seconds) / 3600
                price = (hours * rate * quantity).quantize(Decimal("0.01"))
            created = min(start - DAYS[1 + int(draw() * 60)], now)
            yield (
                booking_id,
                resource.id,
                requester_id,
                organisation_id,
                start,
                end,
                start - before,
                end + after,
                exclusive,
                quantity,
                f"Run {booking_id}",
                "",
                _status(draw(), end <= now),
                category,
                price,
                "",
                created,
                created,
            )


def _status(draw: float, past: bool) -> str:
    if past:
        if draw < 0.90:
            return "confirmed"
        return "cancelled" if draw < 0.95 else ("expired" if draw < 0.98 else "rejected")
    if draw < 0.85:
        return "confirmed"
    return "pending" if draw < 0.95 else "cancelled"


def _calendar(
    plan: Plan, resource: ResourcePlan, count: int, rng: random.Random
) -> Iterator[tuple[datetime, datetime, int]]:
    """`count` bookings of one resource, packed day by day into its fill window.

    Each booking starts on the slot grid after the previous one's blocked span has ended, so
    blocked spans never overlap; a day that cannot hold its share passes the rest to the next.
    """
    draw = rng.random
    days = open_days(plan, resource, plan.first_day, plan.last_day)
    slot = resource.slot_minutes
    before, after = resource.buffer_before, resource.buffer_after
    # A booking uses at most its length plus each buffer rounded up to the grid.
    overhead = ceil_to(before, slot) + ceil_to(after, slot)
    segments = resource.schedule.fill_segments()
    longest = LONGEST_GENERATED_MINUTES
    if resource.max_duration is not None:
        longest = min(longest, resource.max_duration)
    carried = 0
    for i, day in enumerate(days):
        wanted = (i + 1) * count // len(days) - i * count // len(days) + carried
        if not wanted:
            continue
        origin = day_origin(day)
        placed = 0
        for j, (lo, hi) in enumerate(segments):
            share = -(-(wanted - placed) // (len(segments) - j))
            if not share:
                continue
            units = max(1, min((hi - lo) // share - overhead, longest) // slot)
            cursor = lo
            for _ in range(share):
                start = ceil_to(cursor + before, slot)
                end = start + slot * (1 + int(draw() * units))
                if end + after > hi:
                    break
                quantity = 1 if resource.capacity == 1 else 1 + int(draw() * resource.capacity)
                yield origin + MINUTES[start], origin + MINUTES[end], quantity
                placed += 1
                cursor = end + after
        carried = wanted - placed
    if carried:
        raise ValueError(f"resource {resource.id} cannot hold {count} bookings in two years")


def _drop_booking_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop what slows a bulk load; return the statements that re-create it."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'bookings'::regclass AND contype IN ('f', 'x') ORDER BY conname"
    ).fetchall()
    indexes = conn.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = 'bookings'::regclass AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY c.relname"
    ).fetchall()
    for name, _ in constraints:
        conn.execute(f'ALTER TABLE bookings DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE bookings ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


def _restore_booking_indexes(conn: psycopg.Connection, statements: list[str]) -> None:
    for statement in statements:
        conn.execute(statement)


def _reset_sequences(conn: psycopg.Connection) -> None:
    """Rows were copied with explicit ids; later inserts must continue after them."""
    for table in (
        "organisations",
        "users",
        "resources",
        "opening_hours",
        "blackouts",
        "bookings",
    ):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST((SELECT max(id) FROM {table}), 1))"
        )
