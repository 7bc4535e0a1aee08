"""Managers' pages: the approval queue, and the monthly statements to download. Also the pieces
that other pages include: a booking's history and the requester's monthly quota."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import StringField

from booking.models import Booking, Resource
from booking.services import approvals, audit, catalogue, quotas
from booking.services import statements as statement_service
from booking.services.booking import MAX_REASON, get_booking
from booking.services.clock import now
from booking.services.errors import Conflict, Forbidden, InvalidInput
from booking.services.transaction import ResourceBusy
from booking.services.violations import BookingRefused
from booking.web.bookings import when
from booking.web.catalogue import LABELS, acting_user, page_number
from booking.web.forms import Form

bp = Blueprint("approvals", __name__, url_prefix="/manage")

PER_PAGE = 20
ACTION_LABELS = {
    "created": _l("Created"),
    "edited": _l("Edited"),
    "moved": _l("Moved"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn by the requester"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired: nobody decided in time"),
    "slot_taken": _l("Rejected: another request was approved for this time"),
}


# --- The approval queue ------------------------------------------------------------------------


@bp.get("/approvals")
@login_required
def queue():
    user = acting_user()
    if not catalogue.manages_anything(user):
        raise Forbidden("Only the managers of a resource and admins have an approval queue.")
    result = approvals.approval_queue(user, now=now(), page=page_number(), per_page=PER_PAGE)
    return render_template(
        "approvals/queue.html", queue=result, rate_label=LABELS["rate"], max_reason=MAX_REASON
    )


def _described(booking: Booking) -> dict[str, str]:
    return {
        "title": booking.title,
        "when": when(booking.resource, booking.start_at, booking.end_at),
        "name": booking.requester.name,
    }


def _back_to_queue():
    page = request.form.get("page", type=int)
    return redirect(url_for("approvals.queue", page=page if page and page > 1 else None))


class DecisionForm(Form):
    reason = StringField()


def _reason() -> str | None:
    """The reason typed in the form; None (after saying why) when it cannot be taken."""
    form = DecisionForm()
    if not form.validate():
        for message in form.reason.errors:
            flash(message, "error")
        return None
    reason = (form.reason.data or "").strip()
    if len(reason) > MAX_REASON:
        flash(_("The reason is too long: at most %(num)d characters.", num=MAX_REASON), "error")
        return None
    return reason


def _flash_undecided(error: Exception, described: dict[str, str]) -> None:
    if isinstance(error, BookingRefused):
        flash(
            _(
                "%(title)s (%(when)s, requested by %(name)s) cannot be approved: %(reasons)s",
                reasons=" ".join(v.message for v in error.violations),
                **described,
            ),
            "error",
        )
    elif isinstance(error, ResourceBusy):
        flash(_("Someone else is deciding on this resource right now; please try again."), "error")
    else:
        flash(
            _(
                "%(title)s (%(when)s, requested by %(name)s) has already been decided; it is no "
                "longer in the queue.",
                **described,
            ),
            "error",
        )


@bp.post("/approvals/<id:booking_id>/approve")
@login_required
def approve(booking_id: int):
    user = acting_user()
    described = _described(get_booking(user, booking_id))
    reason = _reason()
    if reason is None:
        return _back_to_queue()
    try:
        outcome = approvals.approve_reporting(user, booking_id, now=now(), reason=reason)
    except (BookingRefused, ResourceBusy, Conflict) as error:
        _flash_undecided(error, described)
        return _back_to_queue()
    flash(_("Approved: %(title)s, %(when)s, requested by %(name)s.", **described), "success")
    if outcome.turned_away:
        turned_away = "; ".join(
            "{name} ({when})".format(**_described(turned)) for turned in outcome.turned_away
        )
        flash(
            ngettext(
                "%(num)d competing request no longer fits and was rejected as the slot is "
                "taken: %(list)s.",
                "%(num)d competing requests no longer fit and were rejected as the slot is "
                "taken: %(list)s.",
                len(outcome.turned_away),
                list=turned_away,
            ),
            "info",
        )
    return _back_to_queue()


@bp.post("/approvals/<id:booking_id>/reject")
@login_required
def reject(booking_id: int):
    user = acting_user()
    described = _described(get_booking(user, booking_id))
    reason = _reason()
    if reason is None:
        return _back_to_queue()
    try:
        approvals.reject(user, booking_id, now=now(), reason=reason)
    except Conflict as error:
        _flash_undecided(error, described)
        return _back_to_queue()
    flash(_("Rejected: %(title)s, %(when)s, requested by %(name)s.", **described), "success")
    return _back_to_queue()


# --- Statements --------------------------------------------------------------------------------


@bp.get("/statements")
@login_required
def statements():
    user = acting_user()
    subjects = statement_service.statement_subjects(user)
    if not subjects:
        raise Forbidden("Only organisation admins and resource managers have statements.")
    month, month_error = statement_service.current_month(now()), None
    if request.args.get("month"):
        try:
            month = statement_service.parse_month(request.args["month"])
        except InvalidInput:
            month_error = _("Choose a month, written YYYY-MM.")
    return render_template(
        "approvals/statements.html",
        subjects=subjects,
        month=month.strftime("%Y-%m"),
        month_error=month_error,
    ), 422 if month_error else 200


def statement_download(statement: statement_service.Statement) -> Response:
    return Response(
        statement_service.to_csv(statement),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{statement.filename}"'},
    )


def _month_or_none():
    try:
        return statement_service.parse_month(request.args.get("month"))
    except InvalidInput:
        flash(_("Choose a month, written YYYY-MM."), "error")
        return None


@bp.get("/statements/organisations/<id:organisation_id>.csv")
@login_required
def organisation_statement(organisation_id: int):
    month = _month_or_none()
    if month is None:
        return redirect(url_for("approvals.statements"))
    return statement_download(
        statement_service.organisation_statement(acting_user(), organisation_id, month)
    )


@bp.get("/statements/resources/<id:resource_id>.csv")
@login_required
def resource_statement(resource_id: int):
    month = _month_or_none()
    if month is None:
        return redirect(url_for("approvals.statements"))
    return statement_download(
        statement_service.resource_statement(acting_user(), resource_id, month)
    )


# --- Pieces of other pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    action: str
    at: str
    actor: str
    change: str
    reason: str


def _history_line(entry, resource: Resource) -> HistoryLine:
    locale = str(get_locale())
    change = ""
    if entry.action == "moved" and entry.before and entry.after:

        def span(snapshot: dict) -> str:
            start = datetime.fromisoformat(snapshot["start"])
            return when(resource, start, datetime.fromisoformat(snapshot["end"]))

        change = _(
            "from %(before)s to %(after)s", before=span(entry.before), after=span(entry.after)
        )
    return HistoryLine(
        action=str(ACTION_LABELS.get(entry.action, entry.action)),
        at=format_datetime(
            entry.at.astimezone(ZoneInfo(resource.timezone)), "EEE d MMM y, HH:mm", locale=locale
        ),
        actor=entry.actor.name if entry.actor is not None else _("the system"),
        change=change,
        # slot_taken says it all in its label.
        reason="" if entry.reason == approvals.SLOT_TAKEN else entry.reason,
    )


def booking_history(booking: Booking) -> list[HistoryLine]:
    """The booking's history as its page shows it; empty for those who may not read it."""
    user = acting_user()
    if user is None:
        return []
    try:
        entries = audit.history(user, booking)
    except Forbidden:
        return []
    return [_history_line(entry, booking.resource) for entry in entries]


def resource_quota(resource: Resource) -> dict[str, str | bool] | None:
    """The logged-in user's organisation's use of the resource's quota this month, as words and
    numbers for a page; None when no quota limits it."""
    user = acting_user()
    status = None if user is None else quotas.quota_status(user, resource, now())
    if status is None:
        return None
    locale = str(get_locale())

    def hours(value: float) -> str:
        return format_decimal(value, format="#,##0.##", locale=locale)

    month = datetime.strptime(status.month, "%Y-%m").date()
    return {
        "quota": hours(status.quota_hours),
        "used": hours(status.used_hours),
        "remaining": hours(status.remaining_hours),
        "month": format_date(month, "MMMM y", locale=locale),
        "exhausted": status.remaining_hours <= 0,
    }


@bp.app_context_processor
def _pieces():
    return {"booking_history": booking_history, "resource_quota": resource_quota}
