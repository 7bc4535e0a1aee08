"""The shell commands: create-admin and seed-demo."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from booking.extensions import db
from booking.models import HistoryEntry, Organisation, Resource, User
from booking.services.accounts import authenticate
from booking.services.clock import now
from booking.services.tokens import issue_token, user_for_token
from tests.factories import make_organisation, make_resource, make_user

ADMIN_PASSWORD = "a long enough secret"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        result = runner.invoke(args=list(args), input=input)
        db.session.expire_all()
        return result

    return invoke


def _user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_admin_makes_a_network_admin_of_art_er(cli):
    result = cli("create-admin", "--email", "Root@Example.org", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created network admin root@example.org (ART-ER)" in result.output
    admin = authenticate("root@example.org", ADMIN_PASSWORD)
    assert admin is not None and admin.is_network_admin
    art_er = admin.organisation
    assert (art_er.slug, art_er.type, art_er.city) == ("art-er", "consortium", "Bologna")


def test_create_admin_reuses_an_existing_art_er(cli):
    make_organisation(slug="art-er", name="ART-ER", type="consortium", city="Bologna")
    result = cli("create-admin", "--email", "root@example.org", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert _count(Organisation) == 1


def test_create_admin_on_an_existing_account_revokes_its_api_tokens(cli):
    user = make_user(email="root@example.org")
    secret, _ = issue_token(user, now=now(), lifetime=timedelta(days=30))

    result = cli("create-admin", "--email", "root@example.org", "--password", ADMIN_PASSWORD)

    assert result.exit_code == 0, result.output
    assert user_for_token(secret, now=now()) is None


def test_create_admin_prompts_for_the_password_with_confirmation(cli):
    result = cli(
        "create-admin",
        "--email",
        "root@example.org",
        input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert ADMIN_PASSWORD not in result.output
    assert authenticate("root@example.org", ADMIN_PASSWORD) is not None


def test_create_admin_uses_the_given_name_and_organisation(cli):
    organisation = make_organisation(slug="unimore")
    result = cli(
        "create-admin",
        "--email",
        "root@example.org",
        "--password",
        ADMIN_PASSWORD,
        "--name",
        "Ada Admin",
        "--organisation",
        "unimore",
    )
    assert result.exit_code == 0, result.output
    admin = _user("root@example.org")
    assert (admin.name, admin.organisation_id) == ("Ada Admin", organisation.id)


def test_create_admin_promotes_an_existing_account_and_sets_its_password(cli):
    member = make_user(email="someone@example.org", name="Some One")
    result = cli("create-admin", "--email", "someone@example.org", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Promoted network admin someone@example.org" in result.output
    promoted = authenticate("someone@example.org", ADMIN_PASSWORD)
    assert promoted.id == member.id
    assert promoted.is_network_admin
    assert (promoted.name, promoted.organisation_id) == ("Some One", member.organisation_id)
    assert _count(User) == 1


def test_create_admin_records_the_promotion_and_the_new_password_as_the_systems(cli):
    member = make_user(email="someone@example.org")
    cli("create-admin", "--email", "someone@example.org", "--password", ADMIN_PASSWORD)
    entries = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.entity_id == member.id).order_by(HistoryEntry.id)
    ).scalars()
    assert [(e.action, e.actor_id, e.after and e.after["roles"]) for e in entries] == [
        ("updated", None, ["network_admin", "member"]),
        ("password_changed", None, None),
    ]


def test_create_admin_refuses_a_short_password_without_a_traceback(cli):
    result = cli("create-admin", "--email", "root@example.org", "--password", "short")
    assert result.exit_code != 0
    assert "--password" in result.output
    assert "at least 10 characters" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert _user("root@example.org") is None


def test_create_admin_refuses_an_unknown_organisation_without_a_traceback(cli):
    result = cli(
        "create-admin",
        "--email",
        "root@example.org",
        "--password",
        ADMIN_PASSWORD,
        "--organisation",
        "nowhere",
    )
    assert result.exit_code != 0
    assert "No organisation with the slug 'nowhere'" in result.output
    assert isinstance(result.exception, SystemExit)
    assert _count(Organisation) == 0


def test_create_admin_refuses_an_invalid_email(cli):
    result = cli("create-admin", "--email", "not-an-email", "--password", ADMIN_PASSWORD)
    assert result.exit_code != 0
    assert "--email" in result.output
    assert isinstance(result.exception, SystemExit)
    assert _count(User) == 0


def test_seed_demo_loads_the_network_and_lists_the_accounts(cli, frozen_now):
    result = cli("seed-demo")
    assert result.exit_code == 0, result.output
    assert _count(Resource) >= 32
    assert "resources: " in result.output
    assert f"password for all: {DEMO_PASSWORD}; demo only" in result.output
    assert all(account.email in result.output for account in DEMO_ACCOUNTS)


def test_seed_demo_a_second_time_adds_nothing(cli, frozen_now):
    cli("seed-demo")
    resources = _count(Resource)
    result = cli("seed-demo")
    assert result.exit_code == 0, result.output
    assert f"resources: {resources} (0 new)" in result.output
    assert _count(Resource) == resources


def test_seed_demo_if_empty_loads_an_empty_database(cli, frozen_now):
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert _count(Resource) >= 32


def test_seed_demo_if_empty_leaves_a_database_with_resources_alone(cli, frozen_now):
    make_resource()
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "demo network not loaded" in result.output
    assert _count(Resource) == 1
    assert _count(Organisation) == 1


def test_seed_demo_if_empty_loads_after_create_admin(cli, frozen_now):
    assert (
        cli("create-admin", "--email", "boss@example.org", "--password", "long enough pw").exit_code
        == 0
    )
    result = cli("seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert _count(Resource) >= 32


def test_create_admin_refuses_a_common_password(cli):
    result = cli("create-admin", "--email", "root@example.org", "--password", "password123")
    assert result.exit_code != 0
    assert "too common or too easy to guess" in result.output
    assert _user("root@example.org") is None
