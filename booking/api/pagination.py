"""`?page=&per_page=` lists answered as {"items", "total", "page", "per_page"}."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select

from booking.api.validation import query_int
from booking.database import page_of
from booking.services.catalogue import MAX_PAGE

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


def page_number() -> int:
    """`?page=`: 1 to MAX_PAGE, so that the offset stays inside the database's integers."""
    return query_int("page", default=1, minimum=1, maximum=MAX_PAGE)


def page_size() -> int:
    return query_int("per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)


def paginated(query: Select, serialise: Callable[[Any], dict]) -> dict:
    """Run `query` (already filtered and ordered) for the requested page."""
    page, per_page = page_number(), page_size()
    rows, total = page_of(query, page, per_page)
    return {
        "items": [serialise(row) for row in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }
