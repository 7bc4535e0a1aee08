"""A real SMTP server on loopback (aiosmtpd), collecting what it receives, for the mail tests.

Use the `smtp_server` fixture: it starts the server on a free port of 127.0.0.1, points the app's
MAIL_SERVER/MAIL_PORT at it, and returns the Inbox. `inbox.refuse_next(n, "451 ...")` makes the
server answer the next n DATA commands with that reply instead of accepting the mail.
"""

import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from booking.extensions import db
from booking.models import OutboxMail
from booking.services.notify import render_pending


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    @property
    def calendars(self) -> list[EmailMessage]:
        return [
            part
            for part in self.message.iter_attachments()
            if part.get_content_type() == "text/calendar"
        ]


class Inbox:
    """The aiosmtpd handler: keeps every accepted message; can refuse on demand."""

    def __init__(self):
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._refusals: list[str] = []
        self.port = 0

    def refuse_next(self, count: int, reply: str) -> None:
        with self._lock:
            self._refusals.extend([reply] * count)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._refusals:
                return self._refusals.pop(0)
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    message_from_bytes(envelope.original_content, policy=policy.default),
                )
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=inbox.port, MAIL_FROM="booking@example.org"
    )
    try:
        yield inbox
    finally:
        controller.stop()
        for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_FROM"):
            app.config.pop(key, None)


def outbox(kind: str | None = None) -> list[OutboxMail]:
    """The queued mails, oldest first, as committed (optionally of one kind), rendered as the
    sender would render them now; taken out of the session, so that the rendering is not saved."""
    mails = queued(kind)
    for mail in mails:
        render_pending(mail)
        db.session.expunge(mail)
    return mails


def queued(kind: str | None = None) -> list[OutboxMail]:
    """The outbox rows, oldest first, as committed (optionally of one kind), as they are."""
    db.session.rollback()
    query = select(OutboxMail).order_by(OutboxMail.id)
    if kind is not None:
        query = query.where(OutboxMail.kind == kind)
    return list(db.session.execute(query).scalars())


def calendar_of(part: EmailMessage) -> Calendar:
    return Calendar.from_ical(part.get_content())


def methods(received: Received) -> list[str]:
    """The iTIP method of each calendar attachment, as its MIME parameter and its METHOD agree."""
    found = []
    for part in received.calendars:
        method = str(calendar_of(part)["METHOD"])
        assert part.get_param("method") == method
        found.append(method)
    return found
