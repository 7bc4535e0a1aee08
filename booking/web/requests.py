"""Pilot-plant trial requests with flexible dates, and training requests.

People type dates and times as the resource's wall clock; the views turn them into instants at
the resource (refusing a time that the clocks skip) and hand them to the services, which decide
what is allowed and valid. The services' messages are English and translated here.
"""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import (
    DateField,
    DateTimeLocalField,
    Field,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from booking.database import page_of
from booking.extensions import db
from booking.models import Resource, TrialRequest
from booking.services import catalogue, training, trials
from booking.services.clock import now
from booking.services.errors import Conflict, InvalidInput
from booking.services.permissions import can_manage_resource
from booking.services.transaction import ResourceBusy
from booking.services.violations import BookingRefused
from booking.web.bookings import in_bookable_years
from booking.web.catalogue import acting_user, local_span, page_number
from booking.web.forms import Form
from booking.web.manage import errors_on_form

bp = Blueprint("requests", __name__)

PER_PAGE = 30

TRIAL_STATUS = {
    "open": _l("Open: awaiting the managers"),
    "scheduled": _l("Scheduled"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
}
TRAINING_STATUS = {
    "open": _l("Awaiting the managers"),
    "done": _l("Qualification granted"),
    "declined": _l("Declined"),
}


@bp.app_template_global()
def trial_status(status: str) -> str:
    return str(TRIAL_STATUS.get(status, status))


@bp.app_template_global()
def training_status(status: str) -> str:
    return str(TRAINING_STATUS.get(status, status))


@bp.app_template_global()
def takes_trial_requests(resource: Resource) -> bool:
    return trials.accepts_trials(resource)


@bp.app_template_global()
def training_need(resource: Resource) -> str | None:
    """What the logged-in user needs to book `resource` (training.training_state), or None for
    an anonymous visitor."""
    user = acting_user()
    return None if user is None else training.training_state(user, resource, now=now())


@bp.app_template_global()
def qualification_ends(resource: Resource) -> date | None:
    """The last day the logged-in user's qualification on `resource` covers, when it ends."""
    user = acting_user()
    if user is None:
        return None
    return training.qualified_until(user, resource, now=now())


def _at_resource(resource: Resource, form_field: Field, moment: datetime) -> datetime | None:
    """The wall-clock time typed in `form_field` as an instant at the resource, or None with an
    error on the field when the clocks skip that time."""
    try:
        return catalogue.local_instant(resource, moment)
    except ValueError:
        form_field.errors = [
            *form_field.errors,
            _("This time does not exist on that day: the clocks move forward."),
        ]
        return None


# --- Asking for a trial -------------------------------------------------------------------------


class TrialForm(Form):
    earliest = DateTimeLocalField(
        _l("Earliest start"),
        format="%Y-%m-%dT%H:%M",
        validators=[
            InputRequired(message=_l("Say from when the trial could start.")),
            in_bookable_years,
        ],
    )
    latest = DateTimeLocalField(
        _l("Latest end"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Say by when it must be over.")), in_bookable_years],
    )
    hours = IntegerField(
        _l("Hours"),
        default=4,
        validators=[Optional(), NumberRange(min=0, max=24 * 366, message=_l("Too long."))],
    )
    minutes = IntegerField(
        _l("Minutes"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=59, message=_l("From 0 to 59."))],
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Give the trial a title.")),
            Length(max=trials.MAX_TITLE),
        ],
    )
    description = TextAreaField(
        _l("What the trial is about"),
        validators=[Length(max=trials.MAX_TEXT)],
        description=_l("The process, the goal, what you need from the installation."),
    )
    materials = TextAreaField(
        _l("Materials"),
        validators=[Length(max=trials.MAX_TEXT)],
        description=_l("What you will bring or use, and how much."),
    )
    safety_notes = TextAreaField(
        _l("Safety notes"),
        validators=[Length(max=trials.MAX_TEXT)],
        description=_l("Hazards, protective equipment, waste to dispose of."),
    )
    attachments = TextAreaField(
        _l("Links to documents"),
        description=_l("One web address per line, at most 10: specifications, data sheets."),
    )

    @property
    def duration_minutes(self) -> int:
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.duration_minutes <= 0:
            self.minutes.errors = [
                *self.minutes.errors,
                _("The duration must be longer than zero."),
            ]
            return False
        return valid


def _default_window(form: TrialForm, resource: Resource, moment: datetime) -> None:
    """Tomorrow 08:00 to a week later 18:00, at the resource."""
    today = catalogue.local_today(resource, now=moment)
    form.earliest.data = datetime.combine(today + timedelta(days=1), time(8))
    form.latest.data = datetime.combine(today + timedelta(days=7), time(18))


@bp.route("/resources/<id:resource_id>/trial", methods=["GET", "POST"])
@login_required
def new_trial(resource_id: int):
    user = acting_user()
    resource = catalogue.get_resource(user, resource_id)
    moment = now()
    form = TrialForm()
    status = 200
    if not form.is_submitted():
        _default_window(form, resource, moment)
    elif not form.validate():
        status = 422
    else:
        earliest = _at_resource(resource, form.earliest, form.earliest.data)
        latest = _at_resource(resource, form.latest, form.latest.data)
        status = 422
        if earliest is not None and latest is not None:
            data = trials.TrialInput(
                resource_id=resource.id,
                earliest_start=earliest,
                latest_end=latest,
                duration_minutes=form.duration_minutes,
                title=form.title.data,
                description=form.description.data or "",
                materials=form.materials.data or "",
                safety_notes=form.safety_notes.data or "",
                attachments=tuple((form.attachments.data or "").split()),
            )
            try:
                trial = trials.submit(user, data, now=moment)
            except InvalidInput as error:
                errors_on_form(
                    form,
                    error.errors,
                    {
                        "earliest_start": "earliest",
                        "latest_end": "latest",
                        "duration_minutes": "hours",
                    },
                )
            else:
                flash(_("Your trial request has been sent to the managers."), "success")
                return redirect(url_for("requests.trial", trial_id=trial.id))
    return render_template(
        "requests/new_trial.html",
        form=form,
        resource=resource,
        accepts=trials.accepts_trials(resource),
    ), status


# --- Following one's requests -------------------------------------------------------------------


@bp.get("/trials")
@login_required
def my_trials():
    user = acting_user()
    return render_template(
        "requests/my_trials.html",
        trials=list(db.session.execute(trials.my_trials(user)).scalars()),
        training_requests=list(db.session.execute(training.my_requests(user)).scalars()),
    )


# --- Managers' list -----------------------------------------------------------------------------


@bp.get("/manage/trials")
@login_required
def manage_trials():
    page = page_number()
    rows, total = page_of(trials.trials_for_managers(acting_user()), page, PER_PAGE)
    return render_template(
        "requests/manage_trials.html", trials=rows, total=total, page=page, per_page=PER_PAGE
    )


# --- One request --------------------------------------------------------------------------------


class ScheduleForm(Form):
    # A slot chosen among those offered, as an ISO instant; otherwise the typed date and time.
    slot = HiddenField()
    date = DateField(_l("Date"), validators=[Optional(), in_bookable_years])
    start = TimeField(_l("Start"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.slot.data and (self.date.data is None or self.start.data is None):
            self.date.errors = [*self.date.errors, _("Choose a date and a start time.")]
            return False
        return valid


class DeclineForm(Form):
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Tell the requester why.")),
            Length(max=trials.MAX_REASON),
        ],
        description=_l("Shown to the requester."),
    )


def _render_trial(
    trial: TrialRequest,
    *,
    schedule_form: ScheduleForm | None = None,
    decline_form: DeclineForm | None = None,
    refusal: list[tuple[str, str]] = (),
    status: int = 200,
):
    user = acting_user()
    manages = can_manage_resource(user, trial.resource)
    found = None
    if manages and trial.status == "open":
        found = trials.candidate_slots(user, trial.id, now=now())
    return render_template(
        "requests/trial.html",
        trial=trial,
        resource=trial.resource,
        manages=manages,
        is_requester=trial.requester_id == user.id,
        found=found,
        search_days=trials.SEARCH_DAYS,
        schedule_form=schedule_form or ScheduleForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None),
        refusal=refusal,
    ), status


@bp.get("/trials/<id:trial_id>")
@login_required
def trial(trial_id: int):
    return _render_trial(trials.get_trial(acting_user(), trial_id))


def _chosen_start(form: ScheduleForm, resource: Resource) -> datetime | None:
    if form.slot.data:
        try:
            chosen = datetime.fromisoformat(form.slot.data)
        except ValueError:
            chosen = None
        if chosen is None or chosen.utcoffset() is None:
            form.form_errors.append(_("Choose one of the slots offered."))
            return None
        return chosen
    return _at_resource(resource, form.start, datetime.combine(form.date.data, form.start.data))


@bp.post("/trials/<id:trial_id>/schedule")
@login_required
def schedule_trial(trial_id: int):
    user = acting_user()
    trial = trials.managed_trial(user, trial_id)
    form = ScheduleForm()
    # Why the booking was refused: each message with the interval it concerns, in local time.
    refusal: list[tuple[str, str]] = []
    status = 422
    start = _chosen_start(form, trial.resource) if form.validate() else None
    if start is not None:
        try:
            trials.schedule(user, trial_id, start, now=now())
        except BookingRefused as error:
            zone = trial.resource.timezone
            refusal = [
                (v.message, local_span(v.start, v.end, zone) if v.start and v.end else "")
                for v in error.violations
            ]
            status = 409
        except InvalidInput as error:
            errors_on_form(form, error.errors, {"start": "date"})
        except (Conflict, ResourceBusy) as error:
            flash(_(error.detail), "error")
            return redirect(url_for("requests.trial", trial_id=trial_id))
        else:
            flash(_("The trial is scheduled and booked for the requester."), "success")
            return redirect(url_for("requests.trial", trial_id=trial_id))
    trial = trials.get_trial(user, trial_id)
    return _render_trial(trial, schedule_form=form, refusal=refusal, status=status)


@bp.post("/trials/<id:trial_id>/decline")
@login_required
def decline_trial(trial_id: int):
    user = acting_user()
    trials.managed_trial(user, trial_id)
    form = DeclineForm()
    if form.validate():
        try:
            trials.decline(user, trial_id, form.reason.data, now=now())
        except InvalidInput as error:
            errors_on_form(form, error.errors, {})
        except Conflict as error:
            flash(_(error.detail), "error")
            return redirect(url_for("requests.trial", trial_id=trial_id))
        else:
            flash(_("The trial request has been declined."), "success")
            return redirect(url_for("requests.trial", trial_id=trial_id))
    trial = trials.get_trial(user, trial_id)
    return _render_trial(trial, decline_form=form, status=422)


@bp.post("/trials/<id:trial_id>/withdraw")
@login_required
def withdraw_trial(trial_id: int):
    try:
        trials.withdraw(acting_user(), trial_id, now=now())
    except Conflict as error:
        flash(_(error.detail), "error")
    else:
        flash(_("You have withdrawn the trial request."), "success")
    return redirect(url_for("requests.trial", trial_id=trial_id))


# --- Training -----------------------------------------------------------------------------------


class TrainingRequestForm(Form):
    message = StringField()


@bp.post("/resources/<id:resource_id>/training")
@login_required
def ask_training(resource_id: int):
    form = TrainingRequestForm()
    if not form.validate():
        for message in form.message.errors:
            flash(message, "error")
        return redirect(url_for("catalogue.resource", resource_id=resource_id))
    try:
        training.request_training(acting_user(), resource_id, form.message.data or "", now=now())
    except (Conflict, InvalidInput, ResourceBusy) as error:
        flash(_(error.detail), "error")
    else:
        flash(_("Your request for training has been sent to the managers."), "success")
    return redirect(url_for("catalogue.resource", resource_id=resource_id))


class GrantForm(Form):
    expires_on = DateField(
        _l("Valid until"),
        validators=[Optional(), in_bookable_years],
        description=_l("Empty: no expiry."),
    )


@bp.get("/manage/training")
@login_required
def manage_training():
    page = page_number()
    rows, total = page_of(training.open_requests(acting_user()), page, PER_PAGE)
    return render_template(
        "requests/manage_training.html",
        requests=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        form=GrantForm(formdata=None),
    )


@bp.post("/manage/training/<id:request_id>/grant")
@login_required
def grant_training(request_id: int):
    form = GrantForm()
    if not form.validate():
        for message in form.expires_on.errors:
            flash(message, "error")
        return redirect(url_for("requests.manage_training"))
    try:
        handled, _qualification = training.grant(
            acting_user(), request_id, form.expires_on.data, now=now()
        )
    except InvalidInput as error:
        for message in error.errors.values():
            flash(_("Valid until: %(problem)s", problem=_(message)), "error")
    except Conflict as error:
        flash(_(error.detail), "error")
    else:
        flash(
            _(
                "%(name)s is now qualified on %(resource)s.",
                name=handled.user.name,
                resource=handled.resource.name,
            ),
            "success",
        )
    return redirect(url_for("requests.manage_training"))


@bp.post("/manage/training/<id:request_id>/decline")
@login_required
def decline_training(request_id: int):
    try:
        training.decline(acting_user(), request_id, now=now())
    except Conflict as error:
        flash(_(error.detail), "error")
    else:
        flash(_("The training request has been declined."), "success")
    return redirect(url_for("requests.manage_training"))
