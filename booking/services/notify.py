"""Who gets which mail about a booking, in which language: mails are queued as outbox rows.

Nothing is sent here. Every booking change goes through `audit.record`, which calls
`booking_changed`; that only notes the change (and its history entry) on the session. Just before
the transaction commits (the session's `before_commit` event) the noted changes become `OutboxMail`
rows in the same transaction, so a rolled-back booking mails nobody, and the rows exist only once
the booking does. Waiting for the commit also gives new bookings and history entries their ids and
lets one mail cover every occurrence of a series instead of one mail per occurrence.

Inside the booking transaction, which holds the resource's locks, only the cheap decisions are
made: who gets a mail (`wants`, the recipients) and about what. The row records that in
`booking_change` (action, actor, reason, and per booking the history entry written by the change)
and is rendered later by the sender (services/mailer.py), just before it goes out, with
`render_pending`. It is rendered from the history entries' snapshots, so it describes each booking
as the change left it, whatever happened to it since; names of people and places are read then.

Each mail is rendered from templates/mail/ in the recipient's language, with local times in the
resource's zone, links back to the booking and an iCalendar attachment: METHOD:REQUEST while the
booking is live, METHOD:CANCEL once it is not, with the SEQUENCE the booking had after the change.
Reminders, digests and statements are queued by the scheduler outside booking transactions and are
rendered as they are queued. Users opt out of kinds of mail through `users.mail_preferences` (a
kind not listed there is sent).
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from flask import current_app, has_request_context, render_template, url_for
from flask.globals import app_ctx
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from booking.extensions import db
from booking.models import (
    Booking,
    BookingAudit,
    OutboxMail,
    Resource,
    TrainingRequest,
    TrialRequest,
    User,
)
from booking.services.audit import RecordedBooking, as_recorded
from booking.services.calendar import invitation, sequences, sequences_at
from booking.services.errors import InvalidInput
from booking.services.transaction import writing

# Kinds of mail, each one preference a user can turn off; labels for the profile page.
MAIL_KINDS = {
    "request": _l("A new request awaits my decision"),
    "cancellation": _l("A booking of a resource I manage is cancelled or withdrawn"),
    "digest": _l("Daily summary of the requests awaiting my decision"),
    "confirmed": _l("My booking is confirmed"),
    "rejected": _l("My request is declined"),
    "slot_taken": _l("My request is turned away because the time was given to someone else"),
    "cancelled": _l("My booking is cancelled"),
    "expired": _l("My request expired without a decision"),
    "reminder": _l("Reminder before my booking starts"),
    "statement": _l("Monthly statements of my organisation"),
    "trial_request": _l("A new trial request on a pilot installation I manage"),
    "trial_withdrawn": _l("A trial request on a pilot installation I manage is withdrawn"),
    "trial_declined": _l("My trial request is declined"),
    "training_request": _l("Someone asks for training on a resource I manage"),
    "training_granted": _l("My training request is granted"),
    "training_declined": _l("My training request is declined"),
}
# Not a kind in MAIL_KINDS: nobody can turn off the mail they asked for.
PASSWORD_RESET = "password_reset"
DEFAULT_LOCALE = "en"
# Where `make run` serves the site: the links' address when nothing else tells it.
DEVELOPMENT_SITE = "http://127.0.0.1:5000"
MAX_SUBJECT = 300
_PENDING = "booking_changes"

log = logging.getLogger("booking.mail")


@dataclass(frozen=True)
class _Change:
    entry: BookingAudit
    actor: User | None
    reason: str

    @property
    def booking(self) -> Booking:
        return self.entry.booking

    @property
    def action(self) -> str:
        return self.entry.action


# --- Preferences --------------------------------------------------------------------------------


def wants(user: User, kind: str) -> bool:
    """Whether `user` gets mails of this kind: an active account that has not turned it off."""
    return user.active and (user.mail_preferences or {}).get(kind, True) is not False


@writing()
def update_preferences(user: User, choices: dict) -> dict:
    """Set which kinds of mail `user` gets (kind → bool); kinds not given keep their setting."""
    errors = {}
    for kind, value in choices.items():
        if kind not in MAIL_KINDS:
            errors[str(kind)] = "is not a kind of mail"
        elif not isinstance(value, bool):
            errors[kind] = "must be true or false"
    if errors:
        raise InvalidInput(errors)
    # A new dict, so that the JSON column is seen as changed.
    user.mail_preferences = {**(user.mail_preferences or {}), **choices}
    return user.mail_preferences


# --- Booking changes ----------------------------------------------------------------------------


def booking_changed(entry: BookingAudit, actor: User | None, reason: str = "") -> None:
    """Note a change of a booking (its new history entry); its mails are queued when the
    transaction commits, and forgotten if it rolls back."""
    db.session.info.setdefault(_PENDING, []).append(_Change(entry, actor, reason or ""))


@event.listens_for(db.session, "before_commit")
def _queue_noted_changes(session: Session) -> None:
    changes = session.info.pop(_PENDING, None)
    if not changes:
        return
    # New bookings and history entries get their ids here; a failing flush fails the commit as it
    # would have anyway.
    session.flush()
    groups: dict[tuple, list[_Change]] = defaultdict(list)
    recipients: dict[int, User] = {}
    # Who decides each resource's requests, looked up once for all the occurrences of a series.
    deciders: dict[int, list[User]] = {}
    for change in changes:
        for kind, recipient in _recipients(change, deciders):
            if not wants(recipient, kind):
                continue
            recipients[recipient.id] = recipient
            booking = change.booking
            # The occurrences of a series changed together make one mail, worded for them all.
            subject_key = (
                ("series", booking.series_id) if booking.series_id else ("one", booking.id)
            )
            key = (kind, change.action, recipient.id, booking.status, subject_key)
            groups[key].append(change)
    for (kind, action, recipient_id, _, _), grouped in groups.items():
        session.add(_unrendered_booking_mail(kind, action, recipients[recipient_id], grouped))


@event.listens_for(db.session, "after_transaction_end")
def _forget_noted_changes(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def manager_recipients(resource: Resource) -> list[User]:
    """Who decides the resource's requests: its active managers, or, when it has none, the admins
    of the organisation that owns it."""
    managers = [user for user in resource.managers if user.active]
    if managers:
        return managers
    return list(
        db.session.execute(
            select(User)
            .where(
                User.organisation_id == resource.organisation_id,
                User.is_org_admin.is_(True),
                User.active.is_(True),
            )
            .order_by(User.id)
        ).scalars()
    )


def _recipients(change: _Change, deciders: dict[int, list[User]]) -> list[tuple[str, User]]:
    """(kind, user) pairs for one change. Managers hear about requests and cancellations, except
    the one who acted; the requester hears about every decision on their booking. `deciders`
    keeps manager_recipients by resource id."""
    booking, action = change.booking, change.action
    actor_id = change.actor.id if change.actor else None

    def managers(kind: str) -> list[tuple[str, User]]:
        if booking.resource_id not in deciders:
            deciders[booking.resource_id] = manager_recipients(booking.resource)
        return [(kind, m) for m in deciders[booking.resource_id] if m.id != actor_id]

    requester = booking.requester
    if action in ("created", "moved"):
        if booking.status == "pending":
            return managers("request")
        # A move sends the updated invitation, so the requester's calendar follows the booking.
        return [("confirmed", requester)] if booking.status == "confirmed" else []
    if action == "approved":
        return [("confirmed", requester)]
    if action in ("rejected", "slot_taken", "expired"):
        return [(action, requester)]
    if action == "withdrawn":
        return managers("cancellation")
    if action == "cancelled":
        # Also when the requester cancelled: the CANCEL attachment removes the invitation they
        # got when it was confirmed from their calendar.
        return [*managers("cancellation"), ("cancelled", requester)]
    return []


# --- Rendering ----------------------------------------------------------------------------------


def external_url(endpoint: str, **values) -> str:
    """An absolute link to a page of the site."""
    _allow_links_outside_requests()
    return url_for(endpoint, _external=True, **values)


def _allow_links_outside_requests() -> None:
    """In a request, links follow the request (or SERVER_NAME). Outside one (the scheduler, shell
    commands) Flask builds them from SERVER_NAME, which production sets; without it, this
    application context builds them as the development server's, so that a booking made from a
    script still commits with its mails instead of failing on a link."""
    if has_request_context():
        return
    context = app_ctx._get_current_object()
    if context.url_adapter is None:
        log.warning("SERVER_NAME is not set: links in mails point to %s", DEVELOPMENT_SITE)
        site = urlsplit(DEVELOPMENT_SITE)
        context.url_adapter = current_app.url_map.bind(site.netloc, url_scheme=site.scheme)


def locale_of(user: User) -> str:
    return user.locale or DEFAULT_LOCALE


def local_when(resource: Resource, start: datetime, end: datetime, locale: str) -> str:
    """[start, end) on the resource's wall clock, with its zone: "Tuesday 1 December 2026,
    09:00–10:00 (Europe/Rome)"; an end at midnight reads 24:00."""
    zone = ZoneInfo(resource.timezone)
    s, e = start.astimezone(zone), end.astimezone(zone)

    def day(moment: datetime) -> str:
        return format_date(moment.date(), "EEEE d MMMM y", locale=locale)

    if s.date() == e.date():
        span = f"{day(s)}, {s:%H:%M}–{e:%H:%M}"
    elif e.time() == time(0) and e.date() == s.date() + timedelta(days=1):
        span = f"{day(s)}, {s:%H:%M}–24:00"
    else:
        span = f"{day(s)} {s:%H:%M} – {day(e)} {e:%H:%M}"
    return f"{span} ({resource.timezone})"


def _content(recipient: User, kind: str, template: str, subject: str, **context) -> dict:
    """A mail's rendered fields: subject, text, HTML and calendar attachment."""
    context.update(kind=kind, recipient=recipient, preferences_url=external_url("auth.profile"))
    return {
        # One line: a title typed with a line break would make the header unsendable.
        "subject": " ".join(subject.split())[:MAX_SUBJECT],
        "text_body": render_template(f"mail/{template}.txt", **context),
        "html_body": render_template(f"mail/{template}.html", **context),
        "ics": context.get("ics"),
    }


def _mail(recipient: User, kind: str, now: datetime, **fields) -> OutboxMail:
    return OutboxMail(
        kind=kind,
        recipient_id=recipient.id,
        recipient_email=recipient.email,
        headers={},
        created_at=now,
        **fields,
    )


def _render(
    recipient: User, kind: str, template: str, subject: str, now: datetime, **context
) -> OutboxMail:
    """A mail rendered as it is queued (the scheduler's)."""
    return _mail(recipient, kind, now, **_content(recipient, kind, template, subject, **context))


def _method(booking: Booking | RecordedBooking) -> str:
    return "REQUEST" if booking.is_live else "CANCEL"


def _calendar(bookings: list[Booking | RecordedBooking], sequences: list[int]) -> str:
    """The iCalendar attachment: one invitation per booking (METHOD:REQUEST while it is live,
    METHOD:CANCEL once it is not), each with its SEQUENCE, as an iCalendar stream (RFC 5545
    §3.4) that the mailer attaches as one file each."""
    _allow_links_outside_requests()
    return "".join(
        invitation(booking, _method(booking), sequence).decode("utf-8")
        for booking, sequence in zip(bookings, sequences, strict=True)
    )


def _intro(
    kind: str, action: str, booking: Booking | RecordedBooking, actor: User | None, count: int
) -> str:
    names = {
        "resource": booking.resource.name,
        "requester": booking.requester.name,
        "organisation": booking.requester.organisation.name,
        "actor": actor.name if actor else "",
    }
    if kind == "request" and action == "moved":
        return gettext(
            "%(requester)s (%(organisation)s) moved a request for %(resource)s.", **names
        )
    if kind == "request" and count == 1:
        return gettext("%(requester)s (%(organisation)s) asks to book %(resource)s.", **names)
    if kind == "request":
        return ngettext(
            "%(requester)s (%(organisation)s) asks to book %(resource)s on %(num)d date.",
            "%(requester)s (%(organisation)s) asks to book %(resource)s on %(num)d dates.",
            count,
            **names,
        )
    if kind == "cancellation" and action == "withdrawn":
        return gettext(
            "%(requester)s (%(organisation)s) withdrew a request for %(resource)s.", **names
        )
    if kind == "cancellation":
        if actor is not None and actor.id == booking.requester_id:
            return gettext(
                "%(requester)s (%(organisation)s) cancelled a booking of %(resource)s.", **names
            )
        return gettext(
            "%(actor)s cancelled a booking of %(resource)s made by %(requester)s (%(organisation)s).",
            **names,
        )
    if kind == "confirmed" and action == "approved":
        return gettext("Your request for %(resource)s has been approved.", **names)
    if kind == "confirmed" and action == "moved":
        return gettext("Your booking of %(resource)s has been moved and is confirmed.", **names)
    if kind == "confirmed" and action == "created" and count == 1 and _booked_for(booking, actor):
        # A manager booked it for the requester (a scheduled trial): say who, since the
        # requester did not make this booking themselves.
        return gettext("%(actor)s booked %(resource)s for you: the booking is confirmed.", **names)
    if kind == "confirmed" and count == 1:
        return gettext("Your booking of %(resource)s is confirmed.", **names)
    if kind == "confirmed":
        return ngettext(
            "Your %(num)d booking of %(resource)s is confirmed.",
            "Your %(num)d bookings of %(resource)s are confirmed.",
            count,
            **names,
        )
    if kind == "rejected":
        return gettext("Your request for %(resource)s has been declined.", **names)
    if kind == "slot_taken":
        return gettext(
            "Your request for %(resource)s cannot be accepted: the time has been given to another "
            "booking.",
            **names,
        )
    if kind == "cancelled" and actor is not None and actor.id == booking.requester_id:
        return gettext("You cancelled your booking of %(resource)s.", **names)
    if kind == "cancelled":
        return gettext("Your booking of %(resource)s has been cancelled by %(actor)s.", **names)
    if kind == "expired":
        return gettext(
            "Your request for %(resource)s has expired: it was not decided in time.", **names
        )
    return gettext("Your booking of %(resource)s starts soon.", **names)


def _booked_for(booking: Booking | RecordedBooking, actor: User | None) -> bool:
    """Whether someone other than its requester made the booking."""
    return actor is not None and actor.id != booking.requester_id


def _subject(kind: str, action: str, booking: Booking | RecordedBooking, when: str) -> str:
    names = {"resource": booking.resource.name, "title": booking.title, "when": when}
    if kind == "request":
        return gettext("New request for %(resource)s: %(title)s", **names)
    if kind == "cancellation" and action == "withdrawn":
        return gettext("Request withdrawn: %(title)s (%(resource)s)", **names)
    if kind in ("cancellation", "cancelled"):
        return gettext("Booking cancelled: %(title)s (%(resource)s)", **names)
    if kind == "confirmed":
        return gettext("Booking confirmed: %(title)s (%(resource)s)", **names)
    if kind == "rejected":
        return gettext("Request declined: %(title)s (%(resource)s)", **names)
    if kind == "slot_taken":
        return gettext("Time no longer available: %(title)s (%(resource)s)", **names)
    if kind == "expired":
        return gettext("Request expired: %(title)s (%(resource)s)", **names)
    return gettext("Reminder: %(title)s (%(resource)s), %(when)s", **names)


def _unrendered_booking_mail(
    kind: str, action: str, recipient: User, changes: list[_Change]
) -> OutboxMail:
    """One recipient's mail about changes made together, as the sender will render it: for each
    booking (in start order) the last history entry this transaction wrote."""
    last_entries = {change.booking.id: change.entry for change in changes}
    entries = sorted(last_entries.values(), key=lambda entry: _start_order(entry.booking))
    reasons = {c.reason for c in changes if c.reason and c.reason != "slot_taken"}
    actor = changes[0].actor
    return _mail(
        recipient,
        kind,
        changes[0].entry.at,
        booking_change={
            "action": action,
            "actor_id": actor.id if actor else None,
            "reason": " / ".join(sorted(reasons)),
            "bookings": [{"id": e.booking_id, "audit_id": e.id} for e in entries],
        },
    )


def render_pending(mail: OutboxMail) -> None:
    """Fill in the subject, text, HTML and invitation of a mail queued about a booking change,
    in its recipient's language, from the bookings as that change left them. A mail rendered
    already (or when queued) is left as it is. Raises LookupError when its recipient, actor or
    history entries are gone."""
    change = mail.booking_change
    if change is None or mail.subject is not None:
        return
    recipient = db.session.get(User, mail.recipient_id) if mail.recipient_id else None
    if recipient is None:
        raise LookupError(f"the recipient of mail {mail.id} no longer exists")
    actor = db.session.get(User, change["actor_id"]) if change["actor_id"] else None
    if change["actor_id"] and actor is None:
        raise LookupError(f"the actor of mail {mail.id} no longer exists")
    entry_ids = [item["audit_id"] for item in change["bookings"]]
    found = {
        entry.id: entry
        for entry in db.session.execute(
            select(BookingAudit)
            .where(BookingAudit.id.in_(entry_ids))
            .options(selectinload(BookingAudit.booking))
        ).scalars()
    }
    missing = set(entry_ids) - set(found)
    if missing:
        raise LookupError(f"history entries {sorted(missing)} of mail {mail.id} are gone")
    entries = [found[entry_id] for entry_id in entry_ids]
    numbers = sequences_at(entries)
    content = _booking_content(
        mail.kind,
        change["action"],
        recipient,
        actor,
        change["reason"],
        [as_recorded(entry) for entry in entries],
        [numbers[entry.id] for entry in entries],
    )
    for field, value in content.items():
        setattr(mail, field, value)


def _booking_content(
    kind: str,
    action: str,
    recipient: User,
    actor: User | None,
    reason: str,
    bookings: list[Booking | RecordedBooking],
    sequences: list[int],
) -> dict:
    """A booking mail about `bookings` (as they are, or as a change left them) with the SEQUENCE
    of each."""
    first = bookings[0]
    locale = locale_of(recipient)
    with force_locale(locale):
        entries = [
            {
                "booking": booking,
                "when": local_when(booking.resource, booking.start_at, booking.end_at, locale),
                "url": external_url("bookings.detail", booking_id=booking.id),
            }
            for booking in bookings
        ]
        return _content(
            recipient,
            kind,
            "booking",
            _subject(kind, action, first, entries[0]["when"]),
            intro=_intro(kind, action, first, actor, len(bookings)),
            reason=reason,
            resource=first.resource,
            requester=first.requester,
            entries=entries,
            for_manager=kind in ("request", "cancellation"),
            cancels=not first.is_live,
            ics=_calendar(bookings, sequences),
        )


def _start_order(booking: Booking) -> tuple:
    return (booking.start_at, booking.id)


# --- Mails queued by the scheduler --------------------------------------------------------------


def queue_reminder(booking: Booking, now: datetime) -> OutboxMail | None:
    """Add the reminder of a confirmed booking to the session (None when its requester opted out)."""
    requester = booking.requester
    if not wants(requester, "reminder"):
        return None
    sequence = sequences([booking.id])[booking.id]
    content = _booking_content("reminder", "reminder", requester, None, "", [booking], [sequence])
    mail = _mail(requester, "reminder", now, **content)
    db.session.add(mail)
    return mail


def queue_digest(manager: User, requests: list[Booking], now: datetime) -> OutboxMail | None:
    """Add a manager's daily summary of the requests awaiting a decision to the session."""
    if not requests or not wants(manager, "digest"):
        return None
    locale = locale_of(manager)
    by_resource: dict[int, dict] = {}
    with force_locale(locale):
        for booking in sorted(requests, key=_start_order):
            group = by_resource.setdefault(
                booking.resource_id, {"resource": booking.resource, "entries": []}
            )
            group["entries"].append(
                {
                    "booking": booking,
                    "when": local_when(booking.resource, booking.start_at, booking.end_at, locale),
                    "url": external_url("bookings.detail", booking_id=booking.id),
                }
            )
        subject = ngettext(
            "%(num)d request awaits your decision",
            "%(num)d requests await your decision",
            len(requests),
        )
        mail = _render(
            manager,
            "digest",
            "digest",
            subject,
            now,
            groups=sorted(by_resource.values(), key=lambda g: g["resource"].name),
            count=len(requests),
        )
    db.session.add(mail)
    return mail


def queue_statement(admin: User, month: date, statements: list, now: datetime) -> OutboxMail | None:
    """Add an organisation admin's mail with the month's statements (services/statements.py
    Statement objects: the organisation's, then its resources') to the session; each with its
    totals and a link to its CSV."""
    if not statements or not wants(admin, "statement"):
        return None
    locale = locale_of(admin)
    endpoints = {
        "organisation": ("approvals.organisation_statement", "organisation_id"),
        "resource": ("approvals.resource_statement", "resource_id"),
    }
    with force_locale(locale):
        rows = []
        for statement in statements:
            endpoint, key = endpoints[statement.kind]
            rows.append(
                {
                    "statement": statement,
                    "hours": format_decimal(statement.total_hours, "#,##0.##", locale=locale),
                    "price": format_currency(statement.total_price, "EUR", locale=locale),
                    "url": external_url(
                        endpoint, **{key: statement.subject_id}, month=f"{month:%Y-%m}"
                    ),
                }
            )
        month_name = format_date(month, "LLLL y", locale=locale)
        mail = _render(
            admin,
            "statement",
            "statement",
            gettext("Statements for %(month)s", month=month_name),
            now,
            month=month_name,
            rows=rows,
            statements_url=external_url("approvals.statements", month=f"{month:%Y-%m}"),
        )
    db.session.add(mail)
    return mail


# --- Trial and training requests ----------------------------------------------------------------
# Queued by services/trials.py and services/training.py in the transaction of the change, outside
# any booking lock, so they are rendered as they are queued.


def _queue_each(
    kind: str,
    recipients: Iterable[User],
    actor: User | None,
    now: datetime,
    compose: Callable[[str], tuple[str, str, dict]],
) -> list[OutboxMail]:
    """Render a mail of `kind` for each recipient who wants it, except the actor, in their
    language, and add it to the session. `compose(locale)` gives the subject, the template and its
    context, and runs in the recipient's locale."""
    mails = []
    for recipient in recipients:
        if (actor is not None and recipient.id == actor.id) or not wants(recipient, kind):
            continue
        locale = locale_of(recipient)
        with force_locale(locale):
            subject, template, context = compose(locale)
            mail = _render(recipient, kind, template, subject, now, **context)
        db.session.add(mail)
        mails.append(mail)
    return mails


def _trial_mail(kind: str, trial: TrialRequest, reason: str = "") -> Callable:
    """A `compose` for the mails about a trial request: one template, worded by kind."""
    resource, requester = trial.resource, trial.requester
    names = {
        "resource": resource.name,
        "title": trial.title,
        "requester": requester.name,
        "organisation": requester.organisation.name,
    }

    def compose(locale: str) -> tuple[str, str, dict]:
        if kind == "trial_request":
            subject = gettext("New trial request for %(resource)s: %(title)s", **names)
            intro = gettext(
                "%(requester)s (%(organisation)s) asks for a trial on %(resource)s.", **names
            )
        elif kind == "trial_withdrawn":
            subject = gettext("Trial request withdrawn: %(title)s (%(resource)s)", **names)
            intro = gettext(
                "%(requester)s (%(organisation)s) withdrew a trial request for %(resource)s.",
                **names,
            )
        else:
            subject = gettext("Trial request declined: %(title)s (%(resource)s)", **names)
            intro = gettext("Your trial request for %(resource)s has been declined.", **names)
        return (
            subject,
            "trial",
            {
                "intro": intro,
                "reason": reason,
                "trial": trial,
                "resource": resource,
                "requester": requester,
                "window": local_when(resource, trial.earliest_start, trial.latest_end, locale),
                "url": external_url("requests.trial", trial_id=trial.id),
                "for_manager": kind == "trial_request",
            },
        )

    return compose


def queue_trial_submitted(trial: TrialRequest, now: datetime) -> list[OutboxMail]:
    """Tell the managers of the trial's resource about a new trial request (the requester, if
    one of them, is not told)."""
    return _queue_each(
        "trial_request",
        manager_recipients(trial.resource),
        trial.requester,
        now,
        _trial_mail("trial_request", trial),
    )


def queue_trial_withdrawn(trial: TrialRequest, now: datetime) -> list[OutboxMail]:
    """Tell the managers of the trial's resource that its requester withdrew it."""
    return _queue_each(
        "trial_withdrawn",
        manager_recipients(trial.resource),
        trial.requester,
        now,
        _trial_mail("trial_withdrawn", trial),
    )


def queue_trial_declined(
    trial: TrialRequest, manager: User, reason: str, now: datetime
) -> list[OutboxMail]:
    """Tell the requester that `manager` declined their trial request, and why."""
    return _queue_each(
        "trial_declined",
        [trial.requester],
        manager,
        now,
        _trial_mail("trial_declined", trial, reason),
    )


def _training_mail(kind: str, request: TrainingRequest, expires_on: date | None = None) -> Callable:
    """A `compose` for the mails about a training request: one template, worded by kind."""
    resource, user = request.resource, request.user
    names = {
        "resource": resource.name,
        "requester": user.name,
        "organisation": user.organisation.name,
    }

    def compose(locale: str) -> tuple[str, str, dict]:
        # The requester's mails link to the resource, whose page says whether they may book it.
        url = external_url("catalogue.resource", resource_id=resource.id)
        valid_until = ""
        if kind == "training_request":
            subject = gettext("Training request for %(resource)s: %(requester)s", **names)
            intro = gettext(
                "%(requester)s (%(organisation)s) asks for training on %(resource)s.", **names
            )
            url = external_url("requests.manage_training")
        elif kind == "training_granted":
            subject = gettext("Training granted: %(resource)s", **names)
            intro = gettext("You are now qualified to book %(resource)s.", **names)
            if expires_on is not None:
                valid_until = format_date(expires_on, "EEEE d MMMM y", locale=locale)
        else:
            subject = gettext("Training request declined: %(resource)s", **names)
            intro = gettext("Your request for training on %(resource)s has been declined.", **names)
        return (
            subject,
            "training",
            {
                "intro": intro,
                "resource": resource,
                "requester": user,
                "message": request.message,
                "valid_until": valid_until,
                "url": url,
                "for_manager": kind == "training_request",
            },
        )

    return compose


def queue_training_requested(request: TrainingRequest, now: datetime) -> list[OutboxMail]:
    """Tell the managers of the resource that someone asks for training on it."""
    return _queue_each(
        "training_request",
        manager_recipients(request.resource),
        request.user,
        now,
        _training_mail("training_request", request),
    )


def queue_training_granted(
    request: TrainingRequest, manager: User, expires_on: date | None, now: datetime
) -> list[OutboxMail]:
    """Tell the requester that `manager` granted the qualification (valid until `expires_on`
    included; None: no expiry)."""
    return _queue_each(
        "training_granted",
        [request.user],
        manager,
        now,
        _training_mail("training_granted", request, expires_on),
    )


def queue_training_declined(
    request: TrainingRequest, manager: User, now: datetime
) -> list[OutboxMail]:
    """Tell the requester that `manager` declined their training request."""
    return _queue_each(
        "training_declined",
        [request.user],
        manager,
        now,
        _training_mail("training_declined", request),
    )


# --- Accounts -----------------------------------------------------------------------------------


def password_reset_mail(recipient: User, token: str, minutes: int, now: datetime) -> OutboxMail:
    """The mail with a link for choosing a new password, valid for `minutes`
    (services/password_reset.py), rendered in the recipient's language; the caller adds it to the
    session (or not: see there)."""
    with force_locale(locale_of(recipient)):
        return _render(
            recipient,
            PASSWORD_RESET,
            "password_reset",
            gettext("Choose a new password"),
            now,
            url=external_url("auth.reset_password", token=token),
            forgot_url=external_url("auth.forgot_password"),
            minutes=minutes,
        )
