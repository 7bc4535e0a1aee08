"""Delivering the outbox over SMTP, each mail once, however many senders run.

Settings come from the app config, else the environment: MAIL_SERVER, MAIL_PORT (default 25, 587
with MAIL_USE_TLS, 465 with MAIL_USE_SSL), MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS (STARTTLS),
MAIL_USE_SSL, MAIL_FROM, MAIL_TIMEOUT (seconds). Without MAIL_SERVER (development) a mail is
"sent" by writing it to the log.

Each mail is claimed, rendered if need be, sent and stamped `sent_at` in one transaction of its
own: on PostgreSQL the row is taken with SELECT ... FOR UPDATE SKIP LOCKED, so a second sender
skips it and takes the next; on SQLite the transaction starts with BEGIN IMMEDIATE (the database's
one write lock), so senders take turns, and the lock is held for one mail at a time, never for a
whole batch. A mail about a booking change is queued unrendered (see services/notify.py): the
sender renders it (`notify.render_pending`) right before sending and keeps the rendering on the
row, so that a later attempt sends the very same mail. A failure, to render or to send, leaves
the row unsent with `attempts` and `last_error`; it is tried again later, on a schedule counted
from when it was queued (RETRY_AFTER), and given up after the last step.
If the process dies between the SMTP server accepting a mail and the commit, that mail goes out
again on the next run: delivery is at least once, and the stable Message-ID lets mail software
recognise the repeat.
"""

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app
from sqlalchemy import and_, or_, select

from booking.extensions import db
from booking.models import OutboxMail
from booking.services import notify
from booking.services.transaction import writing

log = logging.getLogger("booking.mail")

# When the n-th attempt (n = attempts already made) is due, counted from when the mail was queued.
RETRY_AFTER = (
    timedelta(0),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_AFTER)
# Refusals of one mail (its recipient, its content); any other failure concerns every mail.
_ABOUT_THIS_MAIL = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
DEFAULT_FROM = "Research Infrastructure Booking <noreply@localhost>"
# Headers are not folded at 78 characters: Python's folding of a subject that mixes plain and
# encoded words leaves a doubled space in it, and subjects stay far below the 998 of RFC 5322.
_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0


@dataclass(frozen=True)
class MailSettings:
    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    use_ssl: bool
    sender: str
    timeout: float


def setting(name: str, default=None):
    """A setting from the app config, else the environment."""
    value = current_app.config.get(name)
    return value if value not in (None, "") else os.environ.get(name, default)


def _flag(name: str) -> bool:
    value = setting(name, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def settings() -> MailSettings:
    use_tls, use_ssl = _flag("MAIL_USE_TLS"), _flag("MAIL_USE_SSL")
    default_port = 465 if use_ssl else 587 if use_tls else 25
    return MailSettings(
        server=setting("MAIL_SERVER") or None,
        port=int(setting("MAIL_PORT", default_port)),
        username=setting("MAIL_USERNAME") or None,
        password=setting("MAIL_PASSWORD") or None,
        use_tls=use_tls,
        use_ssl=use_ssl,
        sender=setting("MAIL_FROM", DEFAULT_FROM),
        timeout=float(setting("MAIL_TIMEOUT", 30)),
    )


# --- Messages -----------------------------------------------------------------------------------


def calendars(stream: str | None) -> list[str]:
    """The calendar objects of an iCalendar stream, each a complete VCALENDAR."""
    if not stream:
        return []
    marker = "BEGIN:VCALENDAR"
    return [marker + part for part in stream.split(marker)[1:]]


def _method(calendar: str) -> str:
    for line in calendar.splitlines():
        if line.upper().startswith("METHOD:"):
            return line.split(":", 1)[1].strip().upper()
    return "PUBLISH"


def build_message(mail: OutboxMail, sender: str) -> EmailMessage:
    """The MIME message: text and HTML alternatives, then one text/calendar file per calendar."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage(policy=_POLICY)
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.recipient_email
    message["Date"] = format_datetime(mail.created_at)
    # Stable per outbox row, so that a mail sent twice (see the module's docstring) is one mail.
    message["Message-ID"] = make_msgid(f"outbox.{mail.id}.{mail.created_at:%Y%m%d%H%M%S}", domain)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.text_body)
    if mail.html_body:
        message.add_alternative(mail.html_body, subtype="html")
    for number, calendar in enumerate(calendars(mail.ics), start=1):
        method = _method(calendar)
        message.add_attachment(
            calendar.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename="invite.ics" if number == 1 else f"invite-{number}.ics",
            params={"method": method, "charset": "utf-8"},
        )
    return message


# --- Transports ---------------------------------------------------------------------------------


class _LogTransport:
    """Development: the mail goes to the log instead of a server."""

    def send(self, message: EmailMessage) -> None:
        body = message.get_body(("plain",))
        log.info(
            "Mail (MAIL_SERVER unset, not sent) to %s: %s\n%s",
            message["To"],
            message["Subject"],
            body.get_content() if body is not None else "",
        )

    def close(self) -> None:
        pass


class _SmtpTransport:
    """One SMTP connection, opened at the first mail and reused for the rest of the run."""

    def __init__(self, config: MailSettings):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.use_ssl:
            connection = smtplib.SMTP_SSL(
                config.server,
                config.port,
                timeout=config.timeout,
                context=ssl.create_default_context(),
            )
        else:
            connection = smtplib.SMTP(config.server, config.port, timeout=config.timeout)
            if config.use_tls:
                connection.starttls(context=ssl.create_default_context())
        if config.username:
            connection.login(config.username, config.password or "")
        return connection

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except _ABOUT_THIS_MAIL:
            raise  # smtplib has reset the session: the connection serves the next mail
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.quit()
        except (smtplib.SMTPException, OSError):
            self.connection.close()
        self.connection = None


def _transport(config: MailSettings):
    return _SmtpTransport(config) if config.server else _LogTransport()


# --- The outbox ---------------------------------------------------------------------------------


def _due(now: datetime):
    """Unsent mails whose next attempt is due at `now` (and not given up)."""
    schedule = [
        and_(OutboxMail.attempts == n, OutboxMail.created_at <= now - delay)
        for n, delay in enumerate(RETRY_AFTER)
    ]
    return and_(OutboxMail.sent_at.is_(None), or_(*schedule))


def _claim_next(now: datetime) -> OutboxMail | None:
    """In the sender's unit of work, hold the oldest due mail, which no other sender can take."""
    query = select(OutboxMail).where(_due(now)).order_by(OutboxMail.id).limit(1)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar_one_or_none()


def _permanent(error: Exception) -> bool:
    """An answer that will not change by trying again (5xx for this mail)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _render(mail: OutboxMail, sender: str) -> EmailMessage:
    """The message of a claimed mail, rendering it first if it was queued unrendered. In a
    savepoint, so that a failed rendering leaves the claim and its transaction usable."""
    with db.session.begin_nested():
        notify.render_pending(mail)
    return build_message(mail, sender)


def send_pending(now: datetime, limit: int = 100) -> SendReport:
    """Send up to `limit` due mails of the outbox, oldest first; each is committed as sent right
    after the server accepted it. A connection problem ends the run (the server is down: the
    other mails wait for the next run instead of spending their attempts)."""
    config = settings()
    transport = _transport(config)
    report = SendReport()
    try:
        for _ in range(limit):
            # One unit of work per mail: claimed, tried, and its outcome committed.
            with writing():
                mail = _claim_next(now)
                if mail is None:
                    break
                mail.attempts += 1
                try:
                    message = _render(mail, config.sender)
                # Whatever the cause (a template, the data, a bug), one mail that cannot be made
                # must not stop the others; it is retried like a refused one, in case a fix
                # comes first.
                except Exception as error:
                    mail.last_error = f"Not rendered: {type(error).__name__}: {error}"[:500]
                    if isinstance(error, LookupError):
                        # What it is about no longer exists: no later attempt can make it.
                        mail.attempts = MAX_ATTEMPTS
                    report.failed += 1
                    log.exception("Mail %s to %s not rendered", mail.id, mail.recipient_email)
                    continue
                try:
                    transport.send(message)
                except (smtplib.SMTPException, OSError) as error:
                    mail.last_error = f"{type(error).__name__}: {error}"[:500]
                    if _permanent(error):
                        mail.attempts = MAX_ATTEMPTS
                    report.failed += 1
                    log.warning("Mail %s to %s not sent: %s", mail.id, mail.recipient_email, error)
                    if not isinstance(error, _ABOUT_THIS_MAIL):
                        break
                    continue
                mail.sent_at = now
                mail.last_error = ""
                report.sent += 1
    finally:
        transport.close()
    return report
