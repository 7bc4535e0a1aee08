"""Logging in and out, forgotten passwords, choosing the language, and one's own profile."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_remembered, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from booking.i18n import LANGUAGES
from booking.services import accounts, logins, notify, password_reset, passwords
from booking.services.clock import now
from booking.services.errors import InvalidInput
from booking.web.forms import Form

bp = Blueprint("auth", __name__)

# Each language is named in itself, so that anyone can find their own.
LANGUAGE_CHOICES = [
    SelectChoice("", _l("Same as my browser")),
    SelectChoice("en", "English"),
    SelectChoice("it", "Italiano"),
]


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in"))


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class NewPasswordForm(Form):
    # The password policy is the service's (services/passwords.py), which says what is wrong:
    # InputRequired, unlike DataRequired, lets a password of spaces reach it.
    new_password = PasswordField(_l("New password"), validators=[InputRequired()])
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )


class PasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


def show_errors(form: FlaskForm, error: InvalidInput, fields: dict[str, str] | None = None):
    """Show a service's field errors next to the form's fields, in the page's language.

    The services word their messages as English sentences that are also msgids; `fields` maps a
    service's field name to the form's where they differ. Errors of fields that the form does
    not have are flashed.
    """
    for name, message in error.errors.items():
        field = getattr(form, (fields or {}).get(name, name), None)
        if field is None:
            flash(_(message), "error")
        else:
            field.errors = [*field.errors, _(message)]


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so that a crafted link cannot send people elsewhere after login."""
    if (
        target
        and urlsplit(target).netloc == ""
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("catalogue.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("catalogue.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = logins.log_in(
                form.email.data, form.password.data, address=request.remote_addr, now=now()
            )
        except logins.LoginThrottled as throttled:
            return _throttled(form, throttled.retry_after)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong email or password."))
    return render_template("auth/login.html", form=form)


def _throttled(form: LoginForm, retry_after: int):
    minutes = max(1, -(-retry_after // 60))
    form.password.errors.append(
        ngettext(
            "Too many failed logins: try again in %(num)d minute.",
            "Too many failed logins: try again in %(num)d minutes.",
            minutes,
        )
    )
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
@login_required
def logout():
    # Every login of the user ends, on every device, not only this browser's.
    accounts.log_out_everywhere(current_user._get_current_object())
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("catalogue.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data, now=now())
        # The same answer for every address: nobody learns who has an account.
        flash(
            _(
                "If an active account has this address, a mail with a link for choosing a new "
                "password is on its way. The link works for %(minutes)s minutes.",
                minutes=round(password_reset.link_lifetime().total_seconds() / 60),
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        password_reset.user_for_token(token, now=now())
    except password_reset.InvalidResetLink as error:
        flash(_(error.detail), "error")
        return redirect(url_for("auth.forgot_password"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.new_password.data, now=now())
        except InvalidInput as error:
            show_errors(form, error)
        except password_reset.InvalidResetLink as error:
            flash(_(error.detail), "error")
            return redirect(url_for("auth.forgot_password"))
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your new password is set: log in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template(
        "auth/reset_password.html", form=form, min_password_length=passwords.MIN_LENGTH
    )


@bp.post("/language/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            accounts.set_language(current_user, code)
    return redirect(_safe_next(request.form.get("next")))


def _render_profile(profile_form: ProfileForm, password_form: PasswordForm):
    return render_template(
        "auth/profile.html",
        profile_form=profile_form,
        password_form=password_form,
        min_password_length=passwords.MIN_LENGTH,
        mail_kinds=notify.MAIL_KINDS,
        mail_wanted={kind for kind in notify.MAIL_KINDS if notify.wants(current_user, kind)},
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(prefix="profile", name=current_user.name, locale=current_user.locale or "")
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user, name=form.name.data, locale=form.locale.data, now=now()
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            # A chosen language also replaces the one picked with the header's switch.
            if current_user.locale:
                session["locale"] = current_user.locale
            else:
                session.pop("locale", None)
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("auth.profile"))
    return _render_profile(form, PasswordForm(prefix="password", formdata=None))


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            revoked = accounts.change_password(
                user, form.current_password.data, form.new_password.data, now=now()
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            # Other sessions end with the old password; this one goes on, remembered if it was.
            login_user(user, remember=login_remembered())
            flash(_("Your password has been changed."), "success")
            if revoked:
                flash(
                    ngettext(
                        "%(num)d API token has been revoked: make a new one where you need it.",
                        "%(num)d API tokens have been revoked: make new ones where you need them.",
                        revoked,
                    ),
                    "info",
                )
            return redirect(url_for("auth.profile"))
    profile_form = ProfileForm(
        prefix="profile", formdata=None, name=current_user.name, locale=current_user.locale or ""
    )
    return _render_profile(profile_form, form)


@bp.post("/profile/mail")
@login_required
def mail_preferences():
    """Which kinds of mail the user receives: one checkbox per kind, unticked means no."""
    notify.update_preferences(
        current_user, {kind: request.form.get(kind) == "on" for kind in notify.MAIL_KINDS}
    )
    flash(_("Your mail preferences are saved."), "info")
    return redirect(url_for("auth.profile") + "#mail")
