"""Interval arithmetic against a model of the same intervals as sets of minutes."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from booking.services.timeutil import merge, subtract

ORIGIN = datetime(2026, 3, 29, tzinfo=UTC)

intervals = st.lists(
    st.tuples(st.integers(0, 300), st.integers(0, 60)).map(
        lambda p: (ORIGIN + timedelta(minutes=p[0]), ORIGIN + timedelta(minutes=p[0] + p[1]))
    ),
    max_size=12,
)


def minutes_of(spans) -> set[int]:
    return {
        minute
        for start, end in spans
        for minute in range(
            int((start - ORIGIN).total_seconds() // 60), int((end - ORIGIN).total_seconds() // 60)
        )
    }


def is_sorted_and_apart(spans) -> bool:
    return all(start < end for start, end in spans) and all(
        a_end < b_start for (_, a_end), (b_start, _) in pairwise(spans)
    )


@given(intervals)
def test_merge_keeps_the_same_time_in_sorted_separate_intervals(spans):
    merged = merge(spans)

    assert minutes_of(merged) == minutes_of(spans)
    assert is_sorted_and_apart(merged)


@given(intervals, intervals)
def test_subtract_leaves_exactly_the_time_outside_the_holes(base, holes):
    remaining = subtract(base, holes)

    assert minutes_of(remaining) == minutes_of(base) - minutes_of(holes)
    assert is_sorted_and_apart(remaining)


def at(hour: int) -> datetime:
    return ORIGIN + timedelta(hours=hour)


def test_a_hole_across_two_intervals_cuts_both():
    assert subtract([(at(8), at(12)), (at(13), at(17))], [(at(11), at(14))]) == [
        (at(8), at(11)),
        (at(14), at(17)),
    ]
