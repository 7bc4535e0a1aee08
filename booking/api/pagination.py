"""`?page=&per_page=` lists answered as {"items", "total", "page", "per_page"}."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select

from booking.api.validation import query_int
from booking.database import page_of

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


def paginated(query: Select, serialise: Callable[[Any], dict]) -> dict:
    """Run `query` (already filtered and ordered) for the requested page."""
    page = query_int("page", default=1, minimum=1, maximum=1_000_000)
    per_page = query_int("per_page", default=DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    rows, total = page_of(query, page, per_page)
    return {
        "items": [serialise(row) for row in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
    }
