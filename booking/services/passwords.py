"""The password policy, the one check behind every door that sets a password (the admin forms,
the profile, the password reset, the API, `create-admin`).

A password is at least MIN_LENGTH characters long and not easy to guess. zxcvbn estimates how many
guesses an attacker needs, matching against the lists of passwords most used in public breaches,
common words and names, keyboard patterns, repeats, sequences and dates, and the account's own
email and name; it must reach MIN_SCORE ("safely unguessable": 10^8 guesses or more), so that
`password123`, `qwertyuiop` or the email's own name are refused while a phrase of a few unrelated
words passes. No rule about digits or symbols (OWASP ASVS 2.1.9): length and guessability only.

Messages are English sentences marked with N_(): the API answers them as they are, the pages
translate them.
"""

from collections.abc import Iterable

from zxcvbn import zxcvbn

from booking.services.catalogue import N_

MIN_LENGTH = 10
MAX_LENGTH = 1024
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching grows quickly with length); what follows the first
# 72 characters can only make a password harder to guess.
_ESTIMATED_LENGTH = 72

TOO_SHORT = N_("The password must be at least 10 characters long.")
TOO_LONG = N_("The password must be at most 1024 characters long.")
TOO_GUESSABLE = N_(
    "This password is too common or too easy to guess: choose a longer phrase of unrelated words."
)


def problem(password: str | None, related: Iterable[str] = ()) -> str | None:
    """Why `password` is refused, or None when it may be used. `related` are the account's own
    words (email, name), which a password must not be built from."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    words = [part for value in related if value for part in _words(value)]
    if zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=words)["score"] < MIN_SCORE:
        return TOO_GUESSABLE
    return None


def _words(value: str) -> list[str]:
    """An email or a name as the words someone might build a password from."""
    value = value.lower()
    local, _, domain = value.partition("@")
    return [value, local, *local.replace("-", ".").replace("_", ".").split("."), domain]
