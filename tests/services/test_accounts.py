from datetime import UTC, datetime, timedelta

import pytest

from booking.extensions import db
from booking.services import accounts, passwords
from booking.services.errors import Forbidden, InvalidInput, NotFound
from booking.services.organisations import AlreadyTaken
from booking.services.tokens import issue_token, user_for_token
from tests.accounts_factories import make_network_admin, make_org_admin
from tests.factories import PASSWORD, make_organisation, make_user

NEW_PASSWORD = "a much longer secret"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_authenticate_finds_the_user_in_any_case_of_the_email(app):
    user = make_user(email="anna@example.org")
    assert accounts.authenticate(" ANNA@example.org ", PASSWORD) == user


def test_authenticate_refuses_an_inactive_user(app):
    user = make_user(active=False)
    assert accounts.authenticate(user.email, PASSWORD) is None


def test_a_created_account_keeps_only_a_hash_of_the_password(app):
    admin = make_org_admin()
    user = accounts.create_user(
        admin,
        email="b@example.org",
        name="B",
        password=NEW_PASSWORD,
        organisation_id=admin.organisation_id,
        now=NOW,
    )
    assert NEW_PASSWORD not in user.password_hash
    assert user.roles == ["member"]


def test_a_member_has_no_user_directory(app):
    with pytest.raises(Forbidden):
        accounts.users_query(make_user())


def test_an_unknown_account_is_not_found_for_a_network_admin(app):
    with pytest.raises(NotFound):
        accounts.get_user(make_network_admin(), 12345)


def test_a_member_asking_for_an_unknown_account_learns_nothing_about_it(app):
    with pytest.raises(Forbidden):
        accounts.get_user(make_user(), 12345)


def test_an_organisation_admin_deactivates_a_colleague(app):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    assert accounts.update_user(admin, colleague.id, active=False, now=NOW).user.active is False


def test_a_refused_change_leaves_nothing_unsaved_behind(app):
    make_user(email="taken@example.org")
    user = make_user(name="Before")
    with pytest.raises(AlreadyTaken):
        accounts.update_user(
            make_network_admin(), user.id, name="After", email="taken@example.org", now=NOW
        )
    assert user not in db.session.dirty
    assert user.name == "Before"


def test_a_refused_move_to_an_unknown_organisation_lists_the_field(app):
    user = make_user()
    with pytest.raises(InvalidInput) as refused:
        accounts.update_user(make_network_admin(), user.id, organisation_id=999, name="", now=NOW)
    assert set(refused.value.errors) == {"organisation_id", "name"}


def test_a_profile_change_sets_the_name_and_language(app):
    user = make_user()
    accounts.update_profile(user, name="  Nuovo  ", locale="it", now=NOW)
    db.session.expire_all()
    assert (user.name, user.locale) == ("Nuovo", "it")


def test_an_empty_language_follows_the_browser(app):
    user = make_user(locale="it")
    accounts.update_profile(user, name=user.name, locale="", now=NOW)
    assert user.locale is None


def test_an_unknown_language_is_refused(app):
    with pytest.raises(InvalidInput) as refused:
        accounts.update_profile(make_user(), name="Name", locale="de", now=NOW)
    assert set(refused.value.errors) == {"locale"}


def test_a_password_change_needs_the_current_password(app):
    user = make_user()
    with pytest.raises(InvalidInput) as refused:
        accounts.change_password(user, "wrong password", NEW_PASSWORD, now=NOW)
    assert set(refused.value.errors) == {"current_password"}
    assert accounts.authenticate(user.email, PASSWORD) == user


def test_a_new_password_below_the_minimum_length_is_refused(app):
    user = make_user()
    short = "x" * (passwords.MIN_LENGTH - 1)
    with pytest.raises(InvalidInput) as refused:
        accounts.change_password(user, PASSWORD, short, now=NOW)
    assert set(refused.value.errors) == {"new_password"}


def test_a_password_change_replaces_the_password(app):
    user = make_user()
    accounts.change_password(user, PASSWORD, NEW_PASSWORD, now=NOW)
    assert accounts.authenticate(user.email, NEW_PASSWORD) == user
    assert accounts.authenticate(user.email, PASSWORD) is None


def test_a_password_change_revokes_the_live_api_tokens(app):
    user = make_user()
    secrets = [issue_token(user, now=NOW, lifetime=timedelta(days=30))[0] for _ in range(2)]
    issue_token(user, now=NOW - timedelta(days=40), lifetime=timedelta(days=30))

    revoked = accounts.change_password(user, PASSWORD, NEW_PASSWORD, now=NOW)

    assert revoked == 2
    assert [user_for_token(secret, now=NOW) for secret in secrets] == [None, None]


def test_a_password_change_leaves_other_users_tokens_alone(app):
    user, other = make_user(), make_user()
    secret, _ = issue_token(other, now=NOW, lifetime=timedelta(days=30))

    accounts.change_password(user, PASSWORD, NEW_PASSWORD, now=NOW)

    assert user_for_token(secret, now=NOW) is not None


def test_users_are_searched_with_wildcards_taken_literally(app):
    admin = make_network_admin(name="Admin")
    literal = make_user(make_organisation(), name="100% Rossi")
    make_user(name="1000 Rossi")
    found = db.session.execute(accounts.users_query(admin, q="100%")).scalars().all()
    assert found == [literal]
