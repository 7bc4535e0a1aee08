"""Managers' pages: resources, opening hours, blackouts, openings on public holidays and
qualifications.

The forms turn what people type into the plain values the catalogue service takes; the service
decides what is allowed and valid, and its errors are shown next to the field they concern.
"""

import re
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from booking.models.resources import APPROVAL_POLICIES, KINDS, RATE_CATEGORIES, VISIBILITIES
from booking.models.resources import WEEKDAYS as DAYS
from booking.services import blackouts as blackout_service
from booking.services import catalogue
from booking.services import holiday_openings as holiday_service
from booking.services import opening_hours as hours_service
from booking.services import qualifications as qualification_service
from booking.services import resources as resource_service
from booking.services.clock import now
from booking.services.errors import Forbidden, InvalidInput
from booking.web.catalogue import LABELS, acting_user, page_number
from booking.web.forms import Form

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.app_context_processor
def _navigation():
    # A function, so that the query runs only where the layout asks for it.
    return {"manages_resources": lambda: catalogue.manages_anything(acting_user())}


def errors_on_form(form: FlaskForm, errors: dict[str, str], renamed: dict[str, str]) -> None:
    """Put each of the service's errors next to the form field it concerns (`renamed`: service
    field → form field), translated; the others above the form."""
    for key, message in errors.items():
        field = form._fields.get(renamed.get(key, key))
        if isinstance(field, Field):
            field.errors = [*field.errors, _(message)]
        else:
            form.form_errors.append(_(message))


# --- Resources ---------------------------------------------------------------------------------

_RATE_FIELDS = {f"rates.{category}": f"rate_{category}" for category in RATE_CATEGORIES}
_INTEGER_FIELDS = (
    "capacity",
    "slot_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "lead_time_hours",
    "horizon_days",
)


def _choices(group: str, values: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(value, LABELS[group][value]) for value in values]


def _rate_field(category: str) -> DecimalField:
    return DecimalField(
        LABELS["rate"][category],
        places=2,
        validators=[Optional(), NumberRange(min=0)],
        description=_l("EUR per hour; empty: free"),
    )


class ResourceForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices("kind", KINDS))
    organisation_id = SelectField(_l("Organisation"), coerce=int)
    parent_id = SelectField(
        _l("Inside the joint lab"),
        coerce=int,
        description=_l("Bookings of the whole joint lab block the resources inside it."),
    )
    co_owners = SelectMultipleField(
        _l("Co-owner organisations"),
        coerce=int,
        description=_l("Joint labs only: organisations that own the lab together with the owner."),
    )
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    site = StringField(_l("Site"), validators=[Length(max=200)])
    timezone = SelectField(_l("Time zone"))
    description = TextAreaField(_l("Description"), validators=[Length(max=10_000)])
    specs = TextAreaField(
        _l("Technical specifications"),
        description=_l("One per line, as “label: value”, e.g. “Resolution: 0.8 nm”."),
    )
    clusters = SelectMultipleField(_l("Clust-ERs"), coerce=int)
    value_chains = SelectMultipleField(
        _l("Value chains"),
        coerce=int,
        description=_l("Choose the Clust-ER of each value chain too."),
    )
    visibility = SelectField(_l("Who sees it"), choices=_choices("visibility", VISIBILITIES))
    approval = SelectField(_l("Approval"), choices=_choices("approval", APPROVAL_POLICIES))
    capacity = IntegerField(
        _l("Capacity"),
        validators=[InputRequired()],
        description=_l("How many bookings (or units) it takes at the same time."),
    )
    slot_minutes = IntegerField(
        _l("Slot (minutes)"),
        validators=[InputRequired()],
        description=_l("Bookings start and end on this grid from local midnight."),
    )
    min_duration_minutes = IntegerField(
        _l("Shortest booking (minutes)"),
        validators=[Optional()],
        description=_l("Empty: one slot."),
    )
    max_duration_minutes = IntegerField(
        _l("Longest booking (minutes)"), validators=[Optional()], description=_l("Empty: no limit.")
    )
    buffer_before_minutes = IntegerField(
        _l("Set-up time before each booking (minutes)"), validators=[InputRequired()]
    )
    buffer_after_minutes = IntegerField(
        _l("Cleaning time after each booking (minutes)"), validators=[InputRequired()]
    )
    lead_time_hours = IntegerField(_l("Notice needed (hours)"), validators=[InputRequired()])
    horizon_days = IntegerField(_l("Bookable ahead (days)"), validators=[InputRequired()])
    monthly_quota_hours = IntegerField(
        _l("Monthly quota for other organisations (hours)"),
        validators=[Optional()],
        description=_l("Empty: no quota."),
    )
    requires_qualification = BooleanField(_l("Only trained users may book it"))
    rate_internal = _rate_field("internal")
    rate_network = _rate_field("network")
    rate_academic = _rate_field("academic")
    rate_industry = _rate_field("industry")
    managers = TextAreaField(
        _l("Managers"),
        description=_l("Email addresses of the people who manage it, one per line."),
    )


def _fill_choices(form: ResourceForm, user, resource=None) -> None:
    organisations = catalogue.all_organisations()
    if resource is None:
        form.organisation_id.choices = [
            SelectChoice(org.id, org.name) for org in catalogue.organisations_for_new_resource(user)
        ]
    else:
        form.organisation_id.choices = [SelectChoice(org.id, org.name) for org in organisations]
    labs = catalogue.joint_labs_for(user, excluding=resource.id if resource else None)
    if resource is not None and resource.parent is not None and resource.parent not in labs:
        labs.append(resource.parent)
    form.parent_id.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(lab.id, lab.name) for lab in labs
    ]
    form.co_owners.choices = [SelectChoice(org.id, org.name) for org in organisations]
    form.timezone.choices = [SelectChoice(zone) for zone in catalogue.time_zone_names()]
    locale = str(get_locale())
    clusters = catalogue.all_clusters()
    form.clusters.choices = [SelectChoice(c.id, f"{c.code} · {c.name(locale)}") for c in clusters]
    form.value_chains.choices = [
        SelectChoice(v.id, v.name(locale), optgroup=f"{c.code} · {c.name(locale)}")
        for c in clusters
        for v in c.value_chains
    ]


def _parse_specs(form: ResourceForm) -> list[list[str]] | None:
    specs = []
    for line in (form.specs.data or "").splitlines():
        if not line.strip():
            continue
        label, colon, value = line.partition(":")
        if not colon or not label.strip():
            form.specs.errors = [
                *form.specs.errors,
                _("Write each specification on its own line as “label: value”."),
            ]
            return None
        specs.append([label.strip(), value.strip()])
    return specs


def _parse_managers(form: ResourceForm) -> list[int] | None:
    emails = [e for e in re.split(r"[\s,;]+", form.managers.data or "") if e]
    ids, unknown = catalogue.user_ids_by_email(emails)
    if unknown:
        form.managers.errors = [
            *form.managers.errors,
            _("No user has this email: %(emails)s", emails=", ".join(unknown)),
        ]
        return None
    return ids


def _resource_data(form: ResourceForm, *, with_organisation: bool) -> dict | None:
    """The service's input from the form, or None when a field could not even be read."""
    specs, managers = _parse_specs(form), _parse_managers(form)
    if specs is None or managers is None:
        return None
    data = {
        "name": form.name.data or "",
        "kind": form.kind.data,
        "parent_id": form.parent_id.data or None,
        "co_owners": form.co_owners.data or [],
        "city": form.city.data or "",
        "site": form.site.data or "",
        "timezone": form.timezone.data,
        "description": form.description.data or "",
        "specs": specs,
        "clusters": form.clusters.data or [],
        "value_chains": form.value_chains.data or [],
        "visibility": form.visibility.data,
        "approval": form.approval.data,
        "max_duration_minutes": form.max_duration_minutes.data,
        "monthly_quota_hours": form.monthly_quota_hours.data,
        "requires_qualification": bool(form.requires_qualification.data),
        "rates": {c: form[f"rate_{c}"].data for c in RATE_CATEGORIES},
        "managers": managers,
        **{name: form[name].data for name in _INTEGER_FIELDS},
    }
    if form.min_duration_minutes.data is not None:
        data["min_duration_minutes"] = form.min_duration_minutes.data
    if with_organisation:
        data["organisation_id"] = form.organisation_id.data
    return data


@bp.get("/")
@login_required
def index():
    result = catalogue.manageable_resources(acting_user(), page=page_number())
    may_add = bool(catalogue.organisations_for_new_resource(acting_user()))
    return render_template("manage/index.html", result=result, may_add=may_add)


@bp.route("/resources/new", methods=["GET", "POST"])
@login_required
def new_resource():
    user = acting_user()
    if not catalogue.organisations_for_new_resource(user):
        raise Forbidden(_("Only organisation admins and network admins may add resources."))
    form = ResourceForm()
    _fill_choices(form, user)
    if not form.is_submitted():
        form.timezone.data = catalogue.DEFAULT_TIMEZONE
        form.organisation_id.data = user.organisation_id
        form.city.data = user.organisation.city
        for name in (*_INTEGER_FIELDS, "visibility", "approval"):
            form[name].data = resource_service.NEW_RESOURCE_DEFAULTS[name]
    if form.validate_on_submit():
        data = _resource_data(form, with_organisation=True)
        if data is not None:
            try:
                created = resource_service.create_resource(user, data, now=now())
            except InvalidInput as error:
                errors_on_form(form, error.errors, _RATE_FIELDS)
            else:
                flash(_("The resource has been added."), "success")
                return redirect(url_for("catalogue.resource", resource_id=created.id))
    return render_template("manage/resource_form.html", form=form, resource=None)


@bp.route("/resources/<id:resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit_resource(resource_id: int):
    user = acting_user()
    resource = catalogue.get_managed_resource(user, resource_id)
    may_move = user.is_network_admin
    form = ResourceForm(obj=resource)
    _fill_choices(form, user, resource)
    if not form.is_submitted():
        form.parent_id.data = resource.parent_id or 0
        form.co_owners.data = [org.id for org in resource.co_owners]
        form.clusters.data = [c.id for c in resource.clusters]
        form.value_chains.data = [v.id for v in resource.value_chains]
        form.managers.data = "\n".join(m.email for m in resource.managers)
        form.specs.data = "\n".join(f"{label}: {value}" for label, value in resource.specs)
    if not may_move:
        del form.organisation_id
    if form.validate_on_submit():
        data = _resource_data(form, with_organisation=may_move)
        if data is not None:
            try:
                resource_service.update_resource(user, resource.id, data, now=now())
            except InvalidInput as error:
                errors_on_form(form, error.errors, _RATE_FIELDS)
            else:
                flash(_("The resource has been saved."), "success")
                return redirect(url_for("catalogue.resource", resource_id=resource.id))
    return render_template("manage/resource_form.html", form=form, resource=resource)


# --- Opening hours -----------------------------------------------------------------------------

_RANGE = re.compile(r"^([0-9]{1,2}:[0-9]{2})\s*[-–]\s*([0-9]{1,2}:[0-9]{2})$")


class OpeningHoursForm(Form):
    mon = StringField(LABELS["weekday"]["mon"])
    tue = StringField(LABELS["weekday"]["tue"])
    wed = StringField(LABELS["weekday"]["wed"])
    thu = StringField(LABELS["weekday"]["thu"])
    fri = StringField(LABELS["weekday"]["fri"])
    sat = StringField(LABELS["weekday"]["sat"])
    sun = StringField(LABELS["weekday"]["sun"])


def _parse_day(field: StringField) -> list[list[str]] | None:
    ranges = []
    for part in (field.data or "").split(","):
        if not part.strip():
            continue
        match = _RANGE.match(part.strip())
        if match is None:
            field.errors = [
                *field.errors,
                _("Write ranges as 08:00-12:00, separated by commas; leave empty when closed."),
            ]
            return None
        ranges.append([match.group(1), match.group(2)])
    return ranges


@bp.route("/resources/<id:resource_id>/opening-hours", methods=["GET", "POST"])
@login_required
def opening_hours(resource_id: int):
    user = acting_user()
    resource = catalogue.get_managed_resource(user, resource_id)
    form = OpeningHoursForm()
    if not form.is_submitted():
        for day, ranges in hours_service.weekly_schedule(resource).items():
            form[day].data = ", ".join(f"{start}-{end}" for start, end in ranges)
    if form.validate_on_submit():
        weekly = {day: _parse_day(form[day]) for day in DAYS}
        if all(ranges is not None for ranges in weekly.values()):
            try:
                hours_service.set_opening_hours(user, resource.id, weekly, now=now())
            except InvalidInput as error:
                errors_on_form(form, error.errors, {f"weekly.{day}": day for day in DAYS})
            else:
                flash(_("The opening hours have been saved."), "success")
                return redirect(url_for("catalogue.resource", resource_id=resource.id))
    return render_template("manage/opening_hours.html", form=form, resource=resource, days=DAYS)


# --- Blackouts ---------------------------------------------------------------------------------


class BlackoutForm(Form):
    start = DateTimeLocalField(_l("From"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    end = DateTimeLocalField(_l("Until"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M")
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=300)],
        description=_l("Shown to everyone who sees the resource."),
    )


@bp.route("/resources/<id:resource_id>/blackouts", methods=["GET", "POST"])
@login_required
def blackouts(resource_id: int):
    user = acting_user()
    resource = catalogue.get_managed_resource(user, resource_id)
    form = BlackoutForm()
    if form.validate_on_submit():
        moments = {}
        for name in ("start", "end"):
            try:
                moments[name] = catalogue.local_instant(resource, form[name].data)
            except ValueError:
                form[name].errors = [
                    *form[name].errors,
                    _("This time does not exist on that day (the clocks change)."),
                ]
        if len(moments) == 2:
            try:
                blackout_service.create_blackout(
                    user, resource.id, reason=form.reason.data or "", now=now(), **moments
                )
            except InvalidInput as error:
                errors_on_form(form, error.errors, {})
            else:
                flash(_("The blackout has been added."), "success")
                return redirect(url_for("manage.blackouts", resource_id=resource.id))
    moment = now()
    upcoming = blackout_service.list_blackouts(user, resource.id, start=moment)
    today = catalogue.local_today(resource, now=moment)
    first = _holidays_from(today)
    last = first + holiday_service.COMING
    earlier = first - holiday_service.COMING - timedelta(days=1)
    return render_template(
        "manage/blackouts.html",
        form=form,
        resource=resource,
        blackouts=upcoming,
        holidays=holiday_service.holiday_days(resource, first, last),
        # The ?holidays_from= of this list, of the next and of the previous (None: from today).
        holidays_from=first if first > today else None,
        later=last + timedelta(days=1),
        earlier=earlier if earlier > today else None,
    )


@bp.post("/blackouts/<id:blackout_id>/delete")
@login_required
def delete_blackout(blackout_id: int):
    resource_id = blackout_service.delete_blackout(acting_user(), blackout_id, now=now())
    flash(_("The blackout has been removed."), "success")
    return redirect(url_for("manage.blackouts", resource_id=resource_id))


# --- Openings on public holidays --------------------------------------------------------------


def _holidays_from(today: date) -> date:
    """The first day of the holidays listed: `?holidays_from=` (a later day), else today."""
    try:
        first = date.fromisoformat(request.args.get("holidays_from", ""))
    except ValueError:
        return today
    return first if today < first and first.year < catalogue.LAST_YEAR else today


def _back_to_holidays(resource_id: int):
    target = url_for(
        "manage.blackouts",
        resource_id=resource_id,
        holidays_from=request.args.get("holidays_from") or None,
    )
    return redirect(target + "#holidays")


@bp.post("/resources/<id:resource_id>/holidays/<day>/open")
@login_required
def open_on_holiday(resource_id: int, day: str):
    try:
        holiday = date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        holiday_service.open_on_holiday(acting_user(), resource_id, holiday, now=now())
    except InvalidInput:
        flash(_("Only a public holiday of the resource's municipality can be opened."), "error")
    else:
        flash(_("The resource is open on that day; its opening hours apply."), "success")
    return _back_to_holidays(resource_id)


@bp.post("/holiday-openings/<id:opening_id>/close")
@login_required
def close_on_holiday(opening_id: int):
    resource_id = holiday_service.close_on_holiday(acting_user(), opening_id, now=now())
    flash(_("The resource is closed again on that holiday."), "success")
    return _back_to_holidays(resource_id)


# --- Qualifications ----------------------------------------------------------------------------


class QualificationForm(Form):
    email = EmailField(_l("Email of the trained person"), validators=[DataRequired()])
    expires_on = DateField(
        _l("Valid until"), validators=[Optional()], description=_l("Empty: no expiry.")
    )


@bp.route("/resources/<id:resource_id>/qualifications", methods=["GET", "POST"])
@login_required
def qualifications(resource_id: int):
    user = acting_user()
    resource = catalogue.get_managed_resource(user, resource_id)
    form = QualificationForm()
    if form.validate_on_submit():
        ids, _unknown = catalogue.user_ids_by_email([form.email.data])
        if not ids:
            form.email.errors = [*form.email.errors, _("No user has this email.")]
        else:
            try:
                qualification_service.grant_qualification(
                    user, resource.id, user_id=ids[0], expires_on=form.expires_on.data, now=now()
                )
            except InvalidInput as error:
                errors_on_form(form, error.errors, {"user_id": "email"})
            else:
                flash(_("The qualification has been recorded."), "success")
                return redirect(url_for("manage.qualifications", resource_id=resource.id))
    return render_template(
        "manage/qualifications.html",
        form=form,
        resource=resource,
        qualifications=qualification_service.list_qualifications(user, resource.id),
        today=catalogue.local_today(resource, now=now()),
    )


@bp.post("/qualifications/<id:qualification_id>/revoke")
@login_required
def revoke_qualification(qualification_id: int):
    resource_id = qualification_service.revoke_qualification(
        acting_user(), qualification_id, now=now()
    )
    flash(_("The qualification has been revoked."), "success")
    return redirect(url_for("manage.qualifications", resource_id=resource_id))
