"""Administration of organisations (network admins) and accounts (network and organisation
admins), over the accounts and organisations services, which decide who may do what."""

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import Select
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from booking.database import page_of
from booking.extensions import db
from booking.models import Organisation, User
from booking.models.network import ORGANISATION_TYPES
from booking.services import accounts, clock, deactivation, logins, passwords, vat
from booking.services import organisations as network
from booking.services.catalogue import id_from_text
from booking.services.errors import InvalidInput
from booking.services.organisations import AlreadyTaken
from booking.web.auth import LANGUAGE_CHOICES, show_errors
from booking.web.catalogue import page_number
from booking.web.forms import Form

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50
ORGANISATION_TYPE_LABELS = {
    "research_lab": _l("Research lab"),
    "innovation_centre": _l("Innovation centre"),
    "university": _l("University"),
    "business": _l("Business"),
    "startup": _l("Start-up"),
    "consortium": _l("Consortium"),
    "training_body": _l("Training body"),
    "other": _l("Other"),
}
# Service field names that the user form spells differently.
USER_FORM_FIELDS = {"organisation_id": "organisation", "roles": "network_admin"}


def _valid_vat_number(form: FlaskForm, field) -> None:
    """The rule of services/vat.py, checked with the other fields so that all errors show at once."""
    if field.data and field.data.strip():
        try:
            vat.normalise(field.data)
        except vat.InvalidVatNumber as error:
            raise ValidationError(_(str(error))) from None


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name in addresses (slug)"), validators=[Length(max=120)])
    type = SelectField(
        _l("Type"),
        choices=[SelectChoice(t, ORGANISATION_TYPE_LABELS[t]) for t in ORGANISATION_TYPES],
    )
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    vat_number = StringField(
        _l("VAT number (partita IVA)"), validators=[Length(max=20), _valid_vat_number]
    )
    accredited = BooleanField(_l("Accredited by the Region (High Technology Network)"))
    clusters = SelectMultipleField(_l("Clust-ERs"), coerce=int)
    website = URLField(_l("Website"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])


class UserForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation = SelectField(_l("Organisation"), coerce=int)
    org_admin = BooleanField(_l("Organisation admin: manages the organisation's accounts"))
    network_admin = BooleanField(_l("Network admin: manages the whole network"))
    active = BooleanField(_l("Active: may log in"), default=True)
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    # The password policy is the service's (services/passwords.py), which says what is wrong;
    # a password of spaces is not "no password" and reaches it.
    password = PasswordField(_l("New password"), validators=[Optional(strip_whitespace=False)])


class EditUserForm(UserForm):
    # The confirmation step of a deactivation that cancels bookings and requests.
    confirm_deactivation = BooleanField(_l("Cancel them and deactivate the account"))
    deactivation_reason = StringField(
        _l("Reason given to the managers"), validators=[Length(max=500)]
    )


class NewUserForm(UserForm):
    password = PasswordField(_l("Password"), validators=[InputRequired()])


@dataclass
class Page:
    items: list
    total: int
    number: int
    per_page: int = PER_PAGE


def _page(query: Select) -> Page:
    """The requested page of `query`'s rows (the page number is kept inside the list)."""
    number = page_number()
    items, total = page_of(query, number, PER_PAGE)
    last = max(1, -(-total // PER_PAGE))
    if number > last:
        number = last
        items, total = page_of(query, number, PER_PAGE)
    return Page(items, total, number)


def _show_errors(form: FlaskForm, error: InvalidInput | AlreadyTaken, fields=None) -> None:
    if isinstance(error, AlreadyTaken):
        error = InvalidInput({error.field: error.detail})
    show_errors(form, error, fields)


@bp.get("/")
@login_required
def index():
    accounts.require_user_admin(current_user)
    return redirect(url_for("admin.users"))


# Organisations


@bp.get("/organisations")
@login_required
def organisations():
    network.require_organisation_editor(current_user)
    q = request.args.get("q", "").strip()
    type = request.args.get("type") if request.args.get("type") in ORGANISATION_TYPES else None
    page = _page(network.organisations_query(q=q or None, type=type))
    return render_template(
        "admin/organisations.html", page=page, q=q, type=type, types=ORGANISATION_TYPE_LABELS
    )


def _with_cluster_choices(form: OrganisationForm) -> OrganisationForm:
    form.clusters.choices = [
        SelectChoice(cluster.id, f"{cluster.code} · {cluster.name(str(get_locale()))}")
        for cluster in db.session.execute(network.clusters_query()).scalars()
    ]
    return form


def _organisation_values(form: OrganisationForm) -> dict[str, Any]:
    return {
        "name": form.name.data,
        "slug": form.slug.data,
        "type": form.type.data,
        "city": form.city.data,
        "vat_number": form.vat_number.data,
        "accredited": form.accredited.data,
        "cluster_ids": form.clusters.data or [],
        "website": form.website.data,
        "description": form.description.data,
    }


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def new_organisation():
    network.require_organisation_editor(current_user)
    form = _with_cluster_choices(OrganisationForm())
    if form.validate_on_submit():
        try:
            organisation = network.create_organisation(
                current_user, **_organisation_values(form), now=clock.now()
            )
        except (InvalidInput, AlreadyTaken) as error:
            _show_errors(form, error)
        else:
            flash(_("%(name)s has been added.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


@bp.route("/organisations/<id:organisation_id>", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id: int):
    organisation = network.get_organisation(organisation_id)
    network.require_organisation_editor(current_user, organisation)
    form = _with_cluster_choices(
        OrganisationForm(
            data={
                "name": organisation.name,
                "slug": organisation.slug,
                "type": organisation.type,
                "city": organisation.city,
                "vat_number": organisation.vat_number or "",
                "accredited": organisation.accredited,
                "clusters": [cluster.id for cluster in organisation.clusters],
                "website": organisation.website or "",
                "description": organisation.description,
            }
        )
    )
    if form.validate_on_submit():
        try:
            network.update_organisation(
                current_user, organisation_id, **_organisation_values(form), now=clock.now()
            )
        except (InvalidInput, AlreadyTaken) as error:
            _show_errors(form, error)
        else:
            flash(_("%(name)s has been saved.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=organisation)


# Accounts


@bp.get("/users")
@login_required
def users():
    accounts.require_user_admin(current_user)
    q = request.args.get("q", "").strip()
    organisation_id = id_from_text(request.args.get("organisation", ""))
    query = accounts.users_query(current_user, organisation_id=organisation_id, q=q or None)
    page = _page(query)
    return render_template(
        "admin/users.html",
        page=page,
        q=q,
        organisation_id=organisation_id,
        organisations=_organisations_for(current_user),
    )


def _organisations_for(acting: User) -> list[Organisation]:
    """The organisations in which `acting` may place accounts."""
    if acting.is_network_admin:
        return list(db.session.execute(network.organisations_query()).scalars())
    return [acting.organisation]


def _fit_user_form(form: UserForm, acting: User) -> UserForm:
    """Only network admins choose the organisation and grant the network_admin role."""
    if acting.is_network_admin:
        form.organisation.choices = [SelectChoice(o.id, o.name) for o in _organisations_for(acting)]
    else:
        del form.organisation
        del form.network_admin
    return form


def _user_values(form: UserForm) -> dict[str, Any]:
    roles = ["member"]
    if form.org_admin.data:
        roles.append("org_admin")
    if "network_admin" in form and form.network_admin.data:
        roles.append("network_admin")
    values = {
        "email": form.email.data,
        "name": form.name.data,
        "roles": roles,
        "active": form.active.data,
        "locale": form.locale.data or None,
    }
    if "organisation" in form:
        values["organisation_id"] = form.organisation.data
    if form.password.data:
        values["password"] = form.password.data
    return values


def _render_user_form(form: UserForm, user: User | None, commitments=None):
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        min_password_length=passwords.MIN_LENGTH,
        commitments=commitments,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    accounts.require_user_admin(current_user)
    form = _fit_user_form(
        NewUserForm(data={"organisation": current_user.organisation_id}), current_user
    )
    if form.validate_on_submit():
        values = {"organisation_id": current_user.organisation_id} | _user_values(form)
        try:
            user = accounts.create_user(current_user, **values, now=clock.now())
        except (InvalidInput, AlreadyTaken) as error:
            _show_errors(form, error, USER_FORM_FIELDS)
        else:
            flash(_("The account of %(name)s has been created.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return _render_user_form(form, None)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    accounts.require_user_admin(current_user)
    user = accounts.get_user(current_user, user_id)
    accounts.require_account_manager(current_user, user)
    form = _fit_user_form(
        EditUserForm(
            data={
                "email": user.email,
                "name": user.name,
                "organisation": user.organisation_id,
                "org_admin": user.is_org_admin,
                "network_admin": user.is_network_admin,
                "active": user.active,
                "locale": user.locale or "",
            }
        ),
        current_user,
    )
    if form.validate_on_submit():
        if user.active and not form.active.data and not form.confirm_deactivation.data:
            # Deactivating cancels the account's bookings and requests: show them first.
            commitments = accounts.commitments_to_end(current_user, user_id, now=clock.now())
            if commitments:
                return _confirm_deactivation(form, user, commitments)
        values = _user_values(form)
        values["deactivation_reason"] = form.deactivation_reason.data or _(
            deactivation.DEFAULT_REASON
        )
        try:
            change = accounts.update_user(current_user, user_id, **values, now=clock.now())
        except (InvalidInput, AlreadyTaken) as error:
            _show_errors(form, error, USER_FORM_FIELDS)
        else:
            flash(_("The account of %(name)s has been saved.", name=user.name), "success")
            if change.ended:
                flash(_ended_message(change.ended), "info")
            return redirect(url_for("admin.users"))
    return _render_user_form(form, user)


def _confirm_deactivation(form: EditUserForm, user: User, commitments):
    """The edit form again, with what deactivating would cancel and a box to confirm it."""
    form.deactivation_reason.data = form.deactivation_reason.data or _(deactivation.DEFAULT_REASON)
    if form.password.data:
        # A password field is never filled in again by the page.
        form.password.errors = [_("Type the new password again to set it.")]
    return _render_user_form(form, user, commitments)


def _ended_message(ended) -> str:
    counts = ended.counts()
    return _(
        "With the account: bookings cancelled: %(bookings)d; trial requests withdrawn: "
        "%(trials)d; training requests closed: %(training)d. The managers are told.",
        bookings=counts["bookings"],
        trials=counts["trial_requests"],
        training=counts["training_requests"],
    )


# Failed logins


@bp.get("/failed-logins")
@login_required
def failed_logins():
    query = logins.recent_failures(current_user)
    return render_template(
        "admin/failed_logins.html",
        page=_page(query),
        limit=logins.limit(),
        window_minutes=round(logins.window().total_seconds() / 60),
    )
