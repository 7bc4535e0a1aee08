"""Login throttling: after 10 failures for an account or from an address within 15 minutes,
logins wait, the right password included, until the window has passed; counted in the database,
race-safely, so that it holds across processes."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import LoginFailure
from booking.services import logins
from tests.concurrency import at_once
from tests.conftest import FROZEN_NOW
from tests.factories import PASSWORD, make_user

HERE = "192.0.2.10"
ELSEWHERE = "198.51.100.7"
WINDOW = timedelta(minutes=15)


def _fail(email: str, times: int, *, address: str = HERE, now=FROZEN_NOW) -> None:
    for _ in range(times):
        assert logins.log_in(email, "not the password", address=address, now=now) is None


def _failures() -> int:
    db.session.rollback()
    return db.session.execute(select(func.count(LoginFailure.id))).scalar_one()


def test_the_right_password_logs_in_and_leaves_no_failure(app):
    user = make_user()
    assert logins.log_in(user.email, PASSWORD, address=HERE, now=FROZEN_NOW) == user
    assert _failures() == 0


def test_a_wrong_password_is_recorded_as_a_failure(app):
    user = make_user()
    _fail(user.email, 1)
    (failure,) = db.session.execute(select(LoginFailure)).scalars()
    assert (failure.email, failure.user_id, failure.address) == (user.email, user.id, HERE)
    assert failure.attempted_at == FROZEN_NOW


def test_ten_failures_for_an_account_refuse_even_the_right_password(app):
    user = make_user()
    _fail(user.email, 10)
    with pytest.raises(logins.LoginThrottled) as throttled:
        logins.log_in(user.email, PASSWORD, address=ELSEWHERE, now=FROZEN_NOW)
    assert throttled.value.retry_after == 15 * 60


def test_nine_failures_still_let_the_right_password_in(app):
    user = make_user()
    _fail(user.email, 9)
    assert logins.log_in(user.email, PASSWORD, address=HERE, now=FROZEN_NOW) == user


def test_ten_failures_from_one_address_refuse_other_accounts_from_it(app):
    for n in range(10):
        _fail(f"guess{n}@example.org", 1)
    user = make_user()
    with pytest.raises(logins.LoginThrottled):
        logins.log_in(user.email, PASSWORD, address=HERE, now=FROZEN_NOW)
    assert logins.log_in(user.email, PASSWORD, address=ELSEWHERE, now=FROZEN_NOW) == user


def test_unknown_accounts_are_throttled_like_known_ones(app):
    _fail("nobody@example.org", 10, address=None)
    with pytest.raises(logins.LoginThrottled):
        logins.log_in("nobody@example.org", "anything at all", address=None, now=FROZEN_NOW)


def test_an_unknown_address_counts_only_for_the_account(app):
    for n in range(10):
        _fail(f"guess{n}@example.org", 1, address=None)
    user = make_user()
    assert logins.log_in(user.email, PASSWORD, address=None, now=FROZEN_NOW) == user


def test_the_wait_is_until_enough_failures_leave_the_window(app):
    user = make_user()
    _fail(user.email, 5, now=FROZEN_NOW)
    _fail(user.email, 5, now=FROZEN_NOW + timedelta(minutes=5))
    later = FROZEN_NOW + timedelta(minutes=10)
    with pytest.raises(logins.LoginThrottled) as throttled:
        logins.log_in(user.email, PASSWORD, address=HERE, now=later)
    # The first five leave the window at minute 15: then only five remain.
    assert throttled.value.retry_after == 5 * 60


def test_logins_are_accepted_again_once_the_window_has_passed(app):
    user = make_user()
    _fail(user.email, 10)
    assert logins.log_in(user.email, PASSWORD, address=HERE, now=FROZEN_NOW + WINDOW) == user


def test_refused_attempts_do_not_count_so_the_wait_does_not_grow(app):
    user = make_user()
    _fail(user.email, 10)
    for minute in range(1, 15):
        with pytest.raises(logins.LoginThrottled):
            logins.log_in(
                user.email,
                "still guessing",
                address=HERE,
                now=FROZEN_NOW + timedelta(minutes=minute),
            )
    assert _failures() == 10
    assert logins.log_in(user.email, PASSWORD, address=HERE, now=FROZEN_NOW + WINDOW) == user


def test_the_limit_and_the_window_are_settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_LIMIT", 3)
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_WINDOW_MINUTES", 60)
    user = make_user()
    _fail(user.email, 3)
    with pytest.raises(logins.LoginThrottled) as throttled:
        logins.log_in(user.email, PASSWORD, address=HERE, now=FROZEN_NOW)
    assert throttled.value.retry_after == 60 * 60


def test_a_failure_is_logged_with_account_and_address_but_never_the_password(app, caplog):
    user = make_user()
    with caplog.at_level(logging.WARNING, logger="booking.security"):
        logins.log_in(user.email, "hunter2 secret guess", address=HERE, now=FROZEN_NOW)
    (record,) = [r for r in caplog.records if r.name == "booking.security"]
    assert record.levelno == logging.WARNING
    assert user.email in record.getMessage() and HERE in record.getMessage()
    assert "hunter2" not in record.getMessage()


def test_a_refusal_by_the_throttle_is_logged(app, caplog):
    user = make_user()
    _fail(user.email, 10)
    with (
        caplog.at_level(logging.WARNING, logger="booking.security"),
        pytest.raises(logins.LoginThrottled),
    ):
        logins.log_in(user.email, PASSWORD, address=HERE, now=FROZEN_NOW)
    assert "too many failed logins" in caplog.records[-1].getMessage()


def test_failures_older_than_the_retention_are_deleted_when_one_is_written(app):
    _fail("old@example.org", 2, now=FROZEN_NOW - logins.KEPT_FOR - timedelta(minutes=1))
    _fail("new@example.org", 1)
    db.session.rollback()
    emails = db.session.execute(select(LoginFailure.email)).scalars().all()
    assert emails == ["new@example.org"]


def test_parallel_wrong_guesses_never_get_past_the_limit(app):
    email = make_user().email

    def guess():
        try:
            return logins.log_in(email, "parallel guess", address=HERE, now=FROZEN_NOW)
        except logins.LoginThrottled:
            return "throttled"

    db.session.rollback()
    results = at_once(app, *[guess] * 16)
    assert results.count("throttled") == 6
    assert _failures() == 10
