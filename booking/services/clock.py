"""The one place that reads the real clock. Services take `now` as an argument; the doors (views,
API handlers, jobs) get it from here. Tests freeze it by setting `app.config["CLOCK"]` to a
callable returning an aware datetime."""

from datetime import UTC, datetime

from flask import current_app, has_app_context


def now() -> datetime:
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock is not None else datetime.now(UTC)
