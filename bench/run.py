"""Run the benchmark: `python -m bench.run --database-url postgresql+psycopg://.../<name>`.

Creates two fresh PostgreSQL databases (<name> with 1,000,000 bookings, <name>_small with 10,000,
same network), migrates and fills them, measures, prints a table, and drops both databases
whatever happens. See bench/README.md and docs/performance.md.
"""

import argparse
import cProfile
import gc
import io
import json
import math
import multiprocessing
import os
import platform
import pstats
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.engine import URL, make_url

from bench.fill import cluster_ids, fill
from bench.http_clients import Gunicorn, Job, get_token, run_clients
from bench.plan import PASSWORD, ROME, Plan, SlotPicker, make_plan
from booking import create_app
from booking.extensions import db
from booking.models import Resource, User
from booking.reference import ensure_reference_data
from booking.services.availability import find_free_slots, resource_availability
from booking.services.booking import BookingInput, create_bookings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TARGETS_MS = {"create_big": 2.5, "availability": 10.0, "search": 150.0}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Stats:
    """Wall-clock seconds per call; for in-process calls also this process's CPU seconds and the
    SQL statements sent (both barely move when other work loads the machine, unlike wall time)."""

    samples: list[float]
    cpu: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    def as_dict(self) -> dict:
        result = {"n": len(self.samples), "median_ms": self.median_ms, "p95_ms": self.p95_ms}
        if self.cpu:
            result["cpu_median_ms"] = statistics.median(self.cpu) * 1000
            result["statements"] = statistics.median(self.statements)
        return result


# -- databases ------------------------------------------------------------------------------------


class Databases:
    """The benchmark's databases on one server: created here, always dropped here."""

    def __init__(self, url: URL, names: list[str]):
        self.admin = url.set(drivername="postgresql", database="postgres")
        self.urls = {
            name: url.set(drivername="postgresql+psycopg", database=name) for name in names
        }
        self.created: list[str] = []

    def conninfo(self, name: str) -> str:
        return self.urls[name].set(drivername="postgresql").render_as_string(hide_password=False)

    def sqlalchemy_url(self, name: str) -> str:
        return self.urls[name].render_as_string(hide_password=False)

    def create(self) -> None:
        with psycopg.connect(
            self.admin.render_as_string(hide_password=False), autocommit=True
        ) as conn:
            for name in self.urls:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if exists.fetchone():
                    raise SystemExit(
                        f"database {name!r} already exists; the benchmark only drops databases "
                        "it created, so pick another name or drop it yourself"
                    )
                conn.execute(f'CREATE DATABASE "{name}"')
                self.created.append(name)

    def drop(self) -> None:
        with psycopg.connect(
            self.admin.render_as_string(hide_password=False), autocommit=True
        ) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                log(f"dropped database {name}")
        self.created.clear()


def fill_elsewhere(conninfo: str, plan: Plan, bookings: int, seed: int) -> dict[str, float]:
    """fill() in a process of its own. Generating a million rows leaves this process's memory
    in a state no app worker is ever in, and the create measurement was 40 % slower after it."""
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        return pool.submit(fill, conninfo, plan, bookings, seed).result()


def migrated_app(url: str) -> Flask:
    # SERVER_NAME: the services queue notification mails with absolute links, built outside a
    # request here as in the scheduler.
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SERVER_NAME": "localhost"}
    )
    with app.app_context():
        upgrade()
        ensure_reference_data()
    return app


def server_settings(conninfo: str) -> dict:
    with psycopg.connect(conninfo) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "shared_buffers", "work_mem", "max_connections")
        }
        settings["bookings"] = conn.execute("SELECT count(*) FROM bookings").fetchone()[0]
        settings["bookings_size"] = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('bookings'))"
        ).fetchone()[0]
    return settings


# -- the measured operations ----------------------------------------------------------------------


@dataclass
class Arm:
    """One measured operation on one database: `prepare()` untimed, then `action(prepared)`."""

    app: Flask
    prepare: Callable
    action: Callable


def alternate(arms: list[Arm], repetitions: int, warmup: int) -> list[Stats]:
    """Time the arms in turn, one call each per round, so that whatever else the machine does
    weighs on every arm alike (the big/small ratio stays fair); the first `warmup` rounds are
    dropped."""
    results = [Stats([]) for _ in arms]
    sent = [0]

    def count(*_):
        sent[0] += 1

    engines = []
    for arm in arms:
        with arm.app.app_context():
            engines.append(db.engine)
    for engine in set(engines):
        event.listen(engine, "before_cursor_execute", count)
    try:
        for i in range(warmup + repetitions):
            for arm, stats in zip(arms, results, strict=True):
                with arm.app.app_context():
                    prepared = arm.prepare()
                    sent[0] = 0
                    wall, cpu = time.perf_counter(), time.process_time()
                    arm.action(prepared)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    db.session.remove()
                if i >= warmup:
                    stats.samples.append(wall)
                    stats.cpu.append(cpu)
                    stats.statements.append(sent[0])
    finally:
        for engine in set(engines):
            event.remove(engine, "before_cursor_execute", count)
    return results


def fresh_user(user_id: int) -> User:
    """The acting user as a request would hand it to a service: loaded, in a new session."""
    db.session.remove()
    user = db.session.get(User, user_id)
    user.organisation_id  # noqa: B018 - load its columns before the clock starts
    return user


def create_arm(app: Flask, plan: Plan, picker: SlotPicker) -> Arm:
    """(a), (b): one booking of an hour on a free slot of a random resource the user sees."""
    rng = picker.rng
    candidates = picker.visible_resources(plan.service_user_id)

    def prepare():
        resource = rng.choice(candidates)
        start, end = picker.take(resource)
        data = BookingInput(resource_id=resource.id, start=start, end=end, title="Benchmark")
        return fresh_user(plan.service_user_id), data

    def action(prepared):
        user, data = prepared
        outcome = create_bookings(user, data, now=plan.now)
        if len(outcome.bookings) != 1:
            raise RuntimeError(f"expected one booking, got {outcome}")

    return Arm(app, prepare, action)


def week_starts(plan: Plan, rng: random.Random, future_only: bool) -> datetime:
    """Monday 00:00 in Rome of a random week of the filled period."""
    today = plan.now.astimezone(ROME).date()
    day = today + timedelta(days=rng.randint(7 if future_only else -300, 300))
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=ROME)


def availability_arm(app: Flask, plan: Plan, seed: int) -> Arm:
    """(c): busy, requested, closed and free times of a random resource in a random week."""
    rng = random.Random(seed)
    candidates = SlotPicker(plan, rng).visible_resources(plan.service_user_id)

    def prepare():
        return (
            fresh_user(plan.service_user_id),
            rng.choice(candidates).id,
            week_starts(plan, rng, future_only=False),
        )

    def action(prepared):
        user, resource_id, start = prepared
        resource_availability(user, resource_id, start, start + timedelta(days=7), now=plan.now)

    return Arm(app, prepare, action)


def search_arm(app: Flask, plan: Plan, seed: int, found: list[int]) -> Arm:
    """(d): every resource with a free 2-hour slot in a random future week."""
    rng = random.Random(seed)

    def prepare():
        return fresh_user(plan.service_user_id), week_starts(plan, rng, future_only=True)

    def action(prepared):
        user, start = prepared
        result = find_free_slots(
            user,
            select(Resource),
            start,
            start + timedelta(days=7),
            timedelta(hours=2),
            now=plan.now,
        )
        found.append(len(result))

    return Arm(app, prepare, action)


def profile(app: Flask, plan: Plan, picker: SlotPicker, seed: int) -> dict[str, str]:
    """cProfile of each measured operation, the 25 most expensive functions by own time."""
    reports = {}
    for name, arm, count in (
        ("create", create_arm(app, plan, picker), 200),
        ("availability", availability_arm(app, plan, seed), 200),
        ("search", search_arm(app, plan, seed, []), 10),
    ):
        profiler = cProfile.Profile()
        profiler.enable()
        alternate([arm], count, 0)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        reports[name] = out.getvalue()
    return reports


def measure_http(
    url: str, plan: Plan, picker: SlotPicker, args: argparse.Namespace
) -> tuple[Stats, float, dict] | str:
    rng = picker.rng
    clients = plan.http_user_ids[: args.http_clients]
    if len(clients) < args.http_clients:
        raise SystemExit(f"the plan holds {len(plan.http_user_ids)} client users")
    per_client = args.http_requests // len(clients)
    jobs: list[list[Job]] = []
    for index, user_id in enumerate(clients):
        # Families are split between clients, so no two clients ever book the same calendar.
        own = [
            r for r in picker.visible_resources(user_id) if r.family_root % len(clients) == index
        ]
        jobs.append(
            [
                Job(resource.id, *picker.take(resource))
                for resource in (rng.choice(own) for _ in range(per_client + args.http_warmup))
            ]
        )
    with Gunicorn(url, args.http_workers) as server:
        log(f"gunicorn -w {args.http_workers} on 127.0.0.1:{server.port}")
        tokens = [get_token(server.port, plan.user(u).email, PASSWORD) for u in clients]
        result = run_clients(server.port, tokens, jobs, args.http_warmup, args.http_deadline)
        if result.statuses.get(201, 0) == 0:
            return f"no booking was created: {dict(result.statuses)} {result.samples}"
    stats = Stats(result.latencies)
    throughput = len(result.latencies) / result.wall_seconds
    details = {
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "failures": {str(k): v for k, v in result.samples.items()},
        "unfinished": result.unfinished,
        "wall_seconds": result.wall_seconds,
    }
    return stats, throughput, details


def booking_endpoint_exists(app: Flask) -> bool:
    return any(
        rule.rule == "/api/v1/bookings" and "POST" in rule.methods
        for rule in app.url_map.iter_rules()
    )


# -- report ---------------------------------------------------------------------------------------


def report(results: dict) -> str:
    settings = results["settings"]
    big, small = f"{settings['bookings']:,}", f"{settings['small_bookings']:,}"
    rows = [
        (f"(a) create one booking, {big} bookings", "create_big", "≤ 2.5 ms"),
        (f"(b) create one booking, {small} bookings", "create_small", ""),
        ("(c) availability of one resource, one week", "availability", "≤ 10 ms"),
        (f"(c') the same, {small} bookings", "availability_small", ""),
        (
            f"(d) free-slot search, {settings['resources']:,} resources, 2 h, one week",
            "search",
            "≤ 150 ms",
        ),
        (f"(d') the same, {small} bookings", "search_small", ""),
    ]
    lines = [
        "| measurement | n | median | p95 | CPU here (median) | SQL statements | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, key, target in rows:
        if key in results:
            r = results[key]
            lines.append(
                f"| {label} | {r['n']} | {r['median_ms']:.2f} ms | {r['p95_ms']:.2f} ms "
                f"| {r['cpu_median_ms']:.2f} ms | {r['statements']:g} | {target} |"
            )
    lines.append(f"| ratio (a)/(b) of the medians | | {results['ratio']:.2f} | | | | near 1 |")
    http = results.get("http")
    if isinstance(http, dict):
        lines.append(
            f"| (e) POST /api/v1/bookings, gunicorn -w {http['workers']}, "
            f"{http['clients']} clients | {http['n']} | {http['median_ms']:.2f} ms | "
            f"{http['p95_ms']:.2f} ms | | | {http['throughput']:.0f} bookings/s |"
        )
    else:
        lines.append(f"| (e) POST /api/v1/bookings | | | | | | not measured: {http} |")
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/booking_bench",
        help="server and name of the database to create (and <name>_small); dropped at the end",
    )
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--small-bookings", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=300, help="per service measurement")
    parser.add_argument("--search-repetitions", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--http-requests", type=int, default=800)
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument("--http-workers", type=int, default=4)
    parser.add_argument("--http-warmup", type=int, default=5, help="untimed requests per client")
    parser.add_argument("--http-deadline", type=float, default=120.0, help="seconds")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print cProfile reports too")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="also write the results to this file")
    return parser.parse_args(argv)


def checked_url(raw: str) -> tuple[URL, str]:
    url = make_url(raw)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("the benchmark runs on PostgreSQL only")
    if (url.host or "localhost") not in LOOPBACK:
        raise SystemExit("the benchmark loads only a database server on 127.0.0.1")
    name = url.database or ""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,50}", name):
        raise SystemExit("name the benchmark database with lower-case letters, digits and _")
    return url, name


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    url, big = checked_url(args.database_url)
    small = f"{big}_small"
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    databases = Databases(url, [big, small])
    results: dict = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            # Other work on the machine skews every number: recorded so a reader can tell.
            "load_average_at_start": os.getloadavg(),
        },
        "settings": vars(args) | {"now": now.isoformat()},
    }
    apps: list[Flask] = []
    try:
        databases.create()
        for name in (big, small):
            log(f"migrating {name}")
            apps.append(migrated_app(databases.sqlalchemy_url(name)))
        with psycopg.connect(databases.conninfo(big)) as conn:
            plan = make_plan(args.seed, now, args.resources, cluster_ids(conn))
        for name, bookings in ((big, args.bookings), (small, args.small_bookings)):
            log(f"filling {name} with {args.resources} resources and {bookings:,} bookings")
            started = time.perf_counter()
            timings = fill_elsewhere(databases.conninfo(name), plan, bookings, args.seed)
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
            log(f"filled {name} in {time.perf_counter() - started:.1f} s ({phases})")
            results[f"fill_{name}"] = timings | {"total": time.perf_counter() - started}
        big_app, small_app = apps
        # As wsgi.py does in every worker once the app is built: what exists now stays out of the
        # garbage collector's full passes (here that includes the plan of the whole network).
        gc.collect()
        gc.freeze()
        results["server"] = server_settings(databases.conninfo(big))

        n, w = args.repetitions, args.warmup
        # One picker per database: a slot it hands out is never handed out again.
        big_slots = SlotPicker(plan, random.Random(args.seed))
        small_slots = SlotPicker(plan, random.Random(args.seed))
        log(f"(a), (b) create one booking, {args.bookings:,} and {args.small_bookings:,} bookings")
        on_big, on_small = alternate(
            [create_arm(big_app, plan, big_slots), create_arm(small_app, plan, small_slots)], n, w
        )
        results["create_big"], results["create_small"] = on_big.as_dict(), on_small.as_dict()
        log("(c) availability of one resource for a week")
        on_big, on_small = alternate(
            [
                availability_arm(big_app, plan, args.seed),
                availability_arm(small_app, plan, args.seed),
            ],
            n,
            w,
        )
        results["availability"], results["availability_small"] = (
            on_big.as_dict(),
            on_small.as_dict(),
        )
        log("(d) free-slot search over every resource")
        found: list[int] = []
        on_big, on_small = alternate(
            [
                search_arm(big_app, plan, args.seed, found),
                search_arm(small_app, plan, args.seed, found),
            ],
            args.search_repetitions,
            3,
        )
        results["search"], results["search_small"] = on_big.as_dict(), on_small.as_dict()
        log(f"the searches found {min(found)} to {max(found)} resources with a free slot")
        results["ratio"] = results["create_big"]["median_ms"] / results["create_small"]["median_ms"]

        if args.skip_http:
            results["http"] = "skipped (--skip-http)"
        elif not booking_endpoint_exists(big_app):
            results["http"] = "POST /api/v1/bookings does not exist in this checkout yet"
        else:
            log(f"(e) HTTP, {args.http_clients} clients, {args.http_requests} requests")
            measured = measure_http(databases.sqlalchemy_url(big), plan, big_slots, args)
            if isinstance(measured, str):
                results["http"] = measured
            else:
                stats, throughput, details = measured
                results["http"] = (
                    stats.as_dict()
                    | details
                    | {
                        "throughput": throughput,
                        "clients": args.http_clients,
                        "workers": args.http_workers,
                    }
                )
        results["machine"]["load_average_at_end"] = os.getloadavg()
        if args.profile:
            log("profiling")
            results["profiles"] = profile(big_app, plan, big_slots, args.seed)
    finally:
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        databases.drop()

    for name, text in results.get("profiles", {}).items():
        print(f"\n## cProfile: {name}\n\n```\n{text}```")
    print(report(results))
    machine = results["machine"]
    print(
        f"\n{machine['cpus']} CPUs; load average (1, 5, 15 min) at start "
        f"{', '.join(f'{x:.1f}' for x in machine['load_average_at_start'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in machine.get('load_average_at_end', ()))}"
    )
    missed = [key for key, limit in TARGETS_MS.items() if results[key]["median_ms"] > limit]
    if missed:
        print(f"\nmissed targets: {', '.join(missed)}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2, default=str)
    return results


if __name__ == "__main__":
    main()
