"""Every writer waits its turn: bookings and other writes at once never answer 5xx.

SQLite has one writer at a time; a transaction that read before writing cannot write once another
writer has committed. Every write path takes the write lock first (services/transaction.py), so
under a mix of concurrent writers each one waits instead of failing with "database is locked".
"""

import json
import threading
import urllib.error
import urllib.request
from collections import Counter

from tests.accounts_factories import make_org_admin
from tests.booking_factories import make_worked_example_resource
from tests.factories import PASSWORD, make_user

ROUNDS = 12


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def token(base: str, email: str) -> str:
    status, body = call(base, "POST", "/api/v1/tokens", {"email": email, "password": PASSWORD})
    assert status == 201
    return body["token"]


def test_bookings_and_other_writes_at_once_never_fail_on_the_server(live_server):
    admin = make_org_admin()
    resource = make_worked_example_resource(organisation=admin.organisation, managers=[admin])
    members = [make_user(resource.organisation) for _ in range(4)]
    # Plain values: the threads have no session to load rows with.
    resource_id = resource.id
    member_ids_and_emails = [(member.id, member.email) for member in members]
    admin_token = token(live_server, admin.email)
    member_tokens = [token(live_server, email) for _, email in member_ids_and_emails]
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def books(n: int):
        for round_ in range(ROUNDS):
            # Every other round the same slot as another thread: some must be refused.
            day = 2 + (round_ % 3)
            hour = 8 + (n + round_) % 4 * 2
            yield (
                "POST",
                "/api/v1/bookings",
                {
                    "resource_id": resource_id,
                    "start": f"2026-12-0{day}T{hour:02d}:00:00+01:00",
                    "end": f"2026-12-0{day}T{hour + 1:02d}:00:00+01:00",
                    "title": f"Run {n}.{round_}",
                },
                member_tokens[n],
            )

    def other_writes(n: int):
        member_id, email = member_ids_and_emails[n]
        for round_ in range(ROUNDS):
            yield [
                ("POST", "/api/v1/tokens", {"email": email, "password": PASSWORD}, None),
                ("POST", "/api/v1/me/calendar-token", None, member_tokens[n]),
                ("PATCH", f"/api/v1/users/{member_id}", {"name": f"M {round_}"}, admin_token),
                (
                    "POST",
                    f"/api/v1/resources/{resource_id}/blackouts",
                    {
                        "start": f"2027-01-{n + 4:02d}T{round_ % 12 + 8:02d}:00:00+01:00",
                        "end": f"2027-01-{n + 4:02d}T{round_ % 12 + 9:02d}:00:00+01:00",
                        "reason": "Maintenance",
                    },
                    admin_token,
                ),
            ][(n + round_) % 4]

    def run(calls):
        for method, path, body, bearer in calls:
            status, _ = call(live_server, method, path, body, bearer)
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=run, args=(books(n),)) for n in range(4)]
    threads += [threading.Thread(target=run, args=(other_writes(n),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(statuses.values()) == 8 * ROUNDS
    assert not [status for status in statuses if status >= 500], statuses
    assert statuses[201] > 0 and statuses[409] > 0
