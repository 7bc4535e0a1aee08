"""The job tests deliver to a real SMTP server on loopback (tests/smtp.py)."""

from tests.smtp import smtp_server  # noqa: F401
