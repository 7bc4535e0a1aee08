"""Every timestamp a service writes comes from the clock it is handed, never from the machine's."""

from booking.extensions import db
from booking.models.types import UTCDateTime


def test_no_timestamp_column_fills_itself_from_the_real_clock():
    self_filling = [
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, UTCDateTime)
        and (column.default is not None or column.onupdate is not None)
    ]
    assert self_filling == []
