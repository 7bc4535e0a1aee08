"""The password policy: long enough and not easy to guess, the same behind every door."""

import pytest

from booking.demo import DEMO_PASSWORD
from booking.services import passwords
from tests.factories import PASSWORD


@pytest.mark.parametrize("password", ["password", "12345678", " " * 8, "short"])
def test_a_password_under_ten_characters_is_refused(password):
    assert passwords.problem(password) == passwords.TOO_SHORT


@pytest.mark.parametrize(
    "password", ["password123", "1234567890", " " * 12, "qwertyuiop", "passwordpassword"]
)
def test_a_common_or_breached_password_is_refused(password):
    assert passwords.problem(password) == passwords.TOO_GUESSABLE


def test_a_password_made_from_the_accounts_own_email_is_refused():
    email = "giovanna.ferraresi@example.org"
    assert passwords.problem("giovannaferraresi") is None
    assert passwords.problem("giovannaferraresi", [email]) == passwords.TOO_GUESSABLE


def test_a_phrase_of_unrelated_words_is_accepted():
    assert passwords.problem("correct horse battery") is None


def test_the_demo_and_test_passwords_pass_the_policy():
    assert passwords.problem(DEMO_PASSWORD) is None
    assert passwords.problem(PASSWORD) is None


def test_a_very_long_password_is_checked_without_error():
    assert passwords.problem("correct horse battery " * 40) is None
    assert passwords.problem("x" * (passwords.MAX_LENGTH + 1)) == passwords.TOO_LONG


def test_the_messages_name_the_limits_in_force():
    assert str(passwords.MIN_LENGTH) in passwords.TOO_SHORT
    assert str(passwords.MAX_LENGTH) in passwords.TOO_LONG
