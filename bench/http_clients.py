"""The JSON API under gunicorn: start it on a free loopback port, drive it with client threads.

Each client thread holds its own token and books its own resources (joint-lab families are never
shared between clients), so every request asks for a free slot and measures the accepted path.
Loads are bounded: a fixed number of requests, a per-request timeout and an overall deadline.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HOST = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT_SECONDS = 30
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(
    port: int, method: str, path: str, body: dict | None = None, token: str | None = None
) -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    # gunicorn's sync workers close every connection after one response: one connection each.
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Gunicorn:
    """`gunicorn -w N -b 127.0.0.1:<free port> wsgi:app` on the benchmark database."""

    def __init__(self, database_url: str, workers: int):
        self.port = free_port()
        self.database_url = database_url
        self.workers = workers
        self.process: subprocess.Popen | None = None
        # Kept open for the server's lifetime and closed (so deleted) in __exit__.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115

    def __enter__(self) -> "Gunicorn":
        env = dict(os.environ, DATABASE_URL=self.database_url, SECRET_KEY="bench-" + "x" * 32)
        env.pop("BOOKING_ENV", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(self.workers),
                "-b",
                f"{HOST}:{self.port}",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_tail()}")
            try:
                status, _ = request(self.port, "GET", "/api/v1/openapi.json")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_SECONDS} s")

    def log_tail(self, lines: int = 30) -> str:
        text = Path(self.log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def get_token(port: int, email: str, password: str) -> str:
    status, body = request(port, "POST", "/api/v1/tokens", {"email": email, "password": password})
    if status != 201:
        raise RuntimeError(f"POST /api/v1/tokens answered {status}: {body[:300]!r}")
    return json.loads(body)["token"]


@dataclass
class Job:
    resource_id: int
    start: datetime
    end: datetime

    def body(self) -> dict:
        return {
            "resource_id": self.resource_id,
            "start": self.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": self.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": "Benchmark booking",
        }


@dataclass
class HttpResult:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    samples: dict[int, str] = field(default_factory=dict)
    wall_seconds: float = 0.0
    unfinished: int = 0


def run_clients(
    port: int, tokens: list[str], jobs: list[list[Job]], warmup: int, deadline_seconds: float
) -> HttpResult:
    """Each client first books `warmup` of its jobs untimed, then all start together."""
    result = HttpResult()
    lock = threading.Lock()
    finished: list[float] = []
    clock: dict[str, float] = {}

    def start_clock() -> None:
        clock["began"] = time.perf_counter()
        clock["stop_at"] = clock["began"] + deadline_seconds

    # The barrier's action runs once, before any client is released.
    ready = threading.Barrier(len(tokens) + 1, action=start_clock)

    def post(token: str, job: Job) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        status, body = request(port, "POST", "/api/v1/bookings", job.body(), token)
        return status, body, time.perf_counter() - started

    def client(token: str, own: list[Job]) -> None:
        try:
            for job in own[:warmup]:
                post(token, job)
        except OSError:
            ready.abort()
            raise
        ready.wait()
        done = 0
        for job in own[warmup:]:
            if time.perf_counter() > clock["stop_at"]:
                break
            try:
                status, body, seconds = post(token, job)
            except OSError as error:
                status, body, seconds = 0, str(error).encode(), 0.0
            done += 1
            with lock:
                result.statuses[status] += 1
                if status == 201:
                    result.latencies.append(seconds)
                else:
                    result.samples.setdefault(status, body[:300].decode(errors="replace"))
        with lock:
            result.unfinished += len(own) - warmup - done
            finished.append(time.perf_counter())

    threads = [
        threading.Thread(target=client, args=(token, own), daemon=True)
        for token, own in zip(tokens, jobs, strict=True)
    ]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=warmup * REQUEST_TIMEOUT_SECONDS + 5)
    except threading.BrokenBarrierError as error:
        raise RuntimeError("a client failed during its warm-up requests") from error
    for thread in threads:
        thread.join(deadline_seconds + REQUEST_TIMEOUT_SECONDS + 5)
    result.wall_seconds = (max(finished) if finished else time.perf_counter()) - clock["began"]
    return result
