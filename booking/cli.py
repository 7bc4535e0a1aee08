"""Shell commands: `flask --app wsgi <command>`.

Expected failures (bad input, an unknown organisation) end with a one-line message and a non-zero
exit code, never a traceback.
"""

import logging

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from booking.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_network
from booking.extensions import db
from booking.jobs.scheduler import run_forever
from booking.models import Organisation, Resource, User
from booking.reference import ensure_coordinator
from booking.services import clock, history, passwords
from booking.services.accounts import (
    end_sessions,
    hash_password,
    normalise_email,
    revoke_api_tokens,
)
from booking.services.mailer import send_pending
from booking.services.transaction import writing


@writing()
def _network_admin(
    email: str, password: str, name: str | None, organisation_slug: str | None
) -> tuple[User, bool]:
    """Create a network admin, or promote the account with this email (setting its password,
    and its name and organisation when given). Returns the user and whether it is new."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email") from None
    # The one password policy of every door (services/passwords.py).
    problem = passwords.problem(password, (email, name or ""))
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--password")
    if name is not None and not 0 < len(name.strip()) <= 200:
        raise click.BadParameter("must be 1 to 200 characters long", param_hint="--name")

    if organisation_slug is None:
        organisation = ensure_coordinator()
    else:
        organisation = db.session.execute(
            select(Organisation).where(Organisation.slug == organisation_slug)
        ).scalar_one_or_none()
        if organisation is None:
            raise click.ClickException(f"No organisation with the slug {organisation_slug!r}.")

    now = clock.now()
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    created = user is None
    before = None if created else history.snapshot(user)
    if created:
        user = User(
            email=email,
            name=(name or email.split("@")[0]).strip(),
            active=True,
            created_at=now,
        )
        user.organisation = organisation
        db.session.add(user)
    else:
        if name is not None:
            user.name = name.strip()
        if organisation_slug is not None:
            user.organisation = organisation
        # A new password: whoever had the old one loses the tokens made with it and their
        # logins, as after an admin's reset.
        end_sessions(user)
        revoke_api_tokens(user, now=now)
    user.password_hash = hash_password(password)
    user.is_network_admin = True
    user.active = True
    # Done from the shell: the system is the actor.
    if created:
        history.record_creation(user, None, now)
    else:
        history.record_update(user, before, None, now)
        history.record(user, "password_changed", None, now)
    return user, created


@click.command("create-admin")
@click.option("--email", required=True, help="The admin's email; an existing account is promoted.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted (hidden) when not given.",
)
@click.option("--name", default=None, help="The admin's name (default: from the email).")
@click.option(
    "--organisation",
    "organisation_slug",
    default=None,
    metavar="SLUG",
    help="The admin's organisation (default: ART-ER, the network's coordinator).",
)
@with_appcontext
def create_admin(email: str, password: str, name: str | None, organisation_slug: str | None):
    """Make a network admin, or promote an existing account to network admin."""
    user, created = _network_admin(email, password, name, organisation_slug)
    verb = "Created" if created else "Promoted"
    click.echo(f"{verb} network admin {user.email} ({user.organisation.name}).")


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing when the database already holds resources (a network in use).",
)
@with_appcontext
def seed_demo(if_empty: bool):
    """Load the demo network (idempotent: only what is missing is added)."""
    # Resources, not organisations: `create-admin` on a fresh database makes an organisation.
    if if_empty and db.session.execute(select(Resource.id).limit(1)).first() is not None:
        click.echo("The database already holds resources: demo network not loaded.")
        return
    summary = load_demo_network(clock.now())
    click.echo("Demo network loaded:")
    for what, total in summary.totals.items():
        click.echo(f"  {what}: {total} ({summary.created[what]} new)")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}; demo only):")
    width = max(len(account.email) for account in DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<{width}}  {account.role}")


def _log_to_console() -> None:
    """Show the jobs' and the mailer's INFO lines (in development, the mails themselves)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the scheduler until stopped: outbox, reminders, expiry, digests, statements."""
    _log_to_console()
    run_forever(current_app._get_current_object())


@click.command("send-mail")
@click.option("--limit", default=1000, show_default=True, help="Send at most this many mails.")
@with_appcontext
def send_mail(limit: int):
    """Send the mails that are due in the outbox once, then exit (non-zero if any failed)."""
    _log_to_console()
    report = send_pending(clock.now(), limit=limit)
    click.echo(f"Sent {report.sent} mail(s), {report.failed} failed.")
    if report.failed:
        raise SystemExit(1)


COMMANDS = (create_admin, seed_demo, scheduler, send_mail)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
