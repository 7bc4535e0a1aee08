"""Every change of an account, an organisation or a resource leaves an entry in its history,
in the change's own transaction; only those who may read a history read it; nobody rewrites it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from booking.extensions import db
from booking.models import HistoryEntry
from booking.services import (
    accounts,
    history,
    holiday_openings,
    opening_hours,
    organisations,
    training,
)
from booking.services import blackouts as blackout_service
from booking.services import qualifications as qualification_service
from booking.services import resources as resource_service
from booking.services.errors import Forbidden, InvalidInput, NotFound
from booking.services.transaction import writing
from tests.accounts_factories import make_network_admin, make_org_admin
from tests.booking_factories import book, rome
from tests.factories import (
    PASSWORD,
    make_cluster,
    make_organisation,
    make_resource,
    make_user,
)
from tests.requests_factories import make_training_request

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
NEW_PASSWORD = "a new and long password"


def entries(viewer, entity_type: str, entity_id: int) -> list[HistoryEntry]:
    """Newest first, as the history is read."""
    query = history.history_query(viewer, entity_type, entity_id)
    return list(db.session.execute(query).scalars())


def actions(viewer, entity_type: str, entity_id: int) -> list[str]:
    return [entry.action for entry in entries(viewer, entity_type, entity_id)]


@pytest.fixture
def admin(app):
    return make_network_admin()


# --- Accounts ----------------------------------------------------------------------------------


def test_a_new_account_is_recorded_with_who_made_it_and_when(admin):
    organisation = make_organisation()
    user = accounts.create_user(
        admin,
        email="anna@example.org",
        name="Anna",
        password=NEW_PASSWORD,
        organisation_id=organisation.id,
        roles=["member", "org_admin"],
        now=NOW,
    )
    (entry,) = entries(admin, "user", user.id)
    assert (entry.action, entry.actor_id, entry.at, entry.before) == (
        "created",
        admin.id,
        NOW,
        None,
    )
    assert entry.after == {
        "email": "anna@example.org",
        "name": "Anna",
        "organisation_id": organisation.id,
        "roles": ["org_admin", "member"],
        "active": True,
    }


def test_a_role_change_records_the_roles_before_and_after(admin):
    user = make_user()
    accounts.update_user(admin, user.id, roles=["member", "org_admin"], now=LATER)
    (entry,) = entries(admin, "user", user.id)
    assert (entry.action, entry.actor_id, entry.at) == ("updated", admin.id, LATER)
    assert (entry.before["roles"], entry.after["roles"]) == (["member"], ["org_admin", "member"])


def test_deactivating_and_moving_an_account_are_recorded(admin):
    user = make_user()
    elsewhere = make_organisation()
    accounts.update_user(admin, user.id, active=False, organisation_id=elsewhere.id, now=NOW)
    (entry,) = entries(admin, "user", user.id)
    assert (entry.before["active"], entry.after["active"]) == (True, False)
    assert entry.after["organisation_id"] == elsewhere.id


def test_an_admins_password_reset_is_recorded_without_the_password_or_its_hash(admin):
    user = make_user()
    accounts.update_user(admin, user.id, password=NEW_PASSWORD, now=NOW)
    (entry,) = entries(admin, "user", user.id)
    assert (entry.action, entry.actor_id, entry.before, entry.after) == (
        "password_changed",
        admin.id,
        None,
        None,
    )
    stored = db.session.execute(text("SELECT * FROM change_history")).all()
    assert user.password_hash not in str(stored) and NEW_PASSWORD not in str(stored)


def test_changing_ones_own_password_is_recorded_with_oneself_as_actor(app):
    user = make_user()
    accounts.change_password(user, PASSWORD, NEW_PASSWORD, now=NOW)
    assert [(e.action, e.actor_id) for e in entries(user, "user", user.id)] == [
        ("password_changed", user.id)
    ]


def test_a_save_that_changes_nothing_records_nothing(admin):
    user = make_user()
    accounts.update_user(admin, user.id, name=user.name, roles=user.roles, now=NOW)
    assert entries(admin, "user", user.id) == []


def test_a_refused_change_records_nothing(admin):
    user = make_user()
    with pytest.raises(InvalidInput):
        accounts.update_user(admin, user.id, name="", now=NOW)
    assert entries(admin, "user", user.id) == []


def test_the_entry_is_undone_with_the_change_it_belongs_to(admin):
    """One unit of work: a change rolled back takes its history entry with it."""
    user = make_user()
    with pytest.raises(RuntimeError), writing():
        accounts.update_user(admin, user.id, name="Renamed", now=NOW)
        raise RuntimeError("the caller's transaction fails after the change")
    assert db.session.get(type(user), user.id).name != "Renamed"
    assert entries(admin, "user", user.id) == []


def test_renaming_oneself_on_the_profile_is_recorded(app):
    user = make_user(name="Before")
    accounts.update_profile(user, name="After", locale="it", now=NOW)
    (entry,) = entries(user, "user", user.id)
    assert (entry.before["name"], entry.after["name"], entry.actor_id) == (
        "Before",
        "After",
        user.id,
    )


# --- Organisations -----------------------------------------------------------------------------


def test_an_organisation_is_recorded_when_created_and_when_changed(admin):
    cluster = make_cluster()
    organisation = organisations.create_organisation(
        admin, name="Lab Uno", type="research_lab", city="Parma", now=NOW
    )
    organisations.update_organisation(
        admin, organisation.id, accredited=True, cluster_ids=[cluster.id], now=LATER
    )
    updated, created = entries(admin, "organisation", organisation.id)
    assert (created.action, created.after["name"], created.after["clusters"]) == (
        "created",
        "Lab Uno",
        [],
    )
    assert (updated.action, updated.at, updated.actor_id) == ("updated", LATER, admin.id)
    assert (updated.before["accredited"], updated.after["accredited"]) == (False, True)
    assert (updated.before["clusters"], updated.after["clusters"]) == ([], [cluster.id])


# --- Resources ---------------------------------------------------------------------------------


@pytest.fixture
def manager(app):
    return make_user()


@pytest.fixture
def resource(manager):
    return make_resource(manager.organisation, managers=[manager])


def test_a_new_resource_is_recorded_with_its_settings(manager):
    admin = make_org_admin(manager.organisation)
    created = resource_service.create_resource(
        admin, {"name": "Scanner", "kind": "instrument", "rates": {"industry": 80}}, now=NOW
    )
    (entry,) = entries(admin, "resource", created.id)
    assert (entry.action, entry.after["name"], entry.after["capacity"]) == (
        "created",
        "Scanner",
        1,
    )
    assert entry.after["rates"] == {
        "internal": None,
        "network": None,
        "academic": None,
        "industry": "80.00",
    }


def test_settings_managers_rates_co_owners_and_clusters_are_recorded_in_one_entry(
    resource, manager
):
    resource.rate_network = Decimal("40")
    db.session.commit()
    colleague = make_user(manager.organisation)
    partner = make_organisation()
    cluster = make_cluster()
    resource_service.update_resource(
        manager,
        resource.id,
        {
            "kind": "joint_lab",
            "capacity": 2,
            "managers": [manager.id, colleague.id],
            "rates": {"network": 45.5},
            "co_owners": [partner.id],
            "clusters": [cluster.id],
        },
        now=LATER,
    )
    (entry,) = entries(manager, "resource", resource.id)
    changed = {key for key in entry.after if entry.after[key] != entry.before[key]}
    assert changed == {"kind", "capacity", "managers", "rates", "co_owners", "clusters"}
    assert (entry.before["rates"]["network"], entry.after["rates"]["network"]) == (
        "40.00",
        "45.50",
    )
    assert entry.after["managers"] == sorted([manager.id, colleague.id])


def test_opening_hours_are_recorded_as_the_week_before_and_after(resource, manager):
    opening_hours.set_opening_hours(manager, resource.id, {"mon": [["08:00", "18:00"]]}, now=NOW)
    (entry,) = entries(manager, "resource", resource.id)
    assert entry.action == "opening_hours_set"
    assert (entry.before["mon"], entry.after["mon"], entry.after["tue"]) == (
        [],
        [["08:00", "18:00"]],
        [],
    )


def test_blackouts_added_and_removed_are_recorded(resource, manager):
    blackout = blackout_service.create_blackout(
        manager,
        resource.id,
        start=rome(2026, 12, 3, 8),
        end=rome(2026, 12, 3, 18),
        reason="Service",
        now=NOW,
    )
    blackout_service.delete_blackout(manager, blackout.id, now=LATER)
    removed, added = entries(manager, "resource", resource.id)
    assert added.action == "blackout_added"
    assert added.after == {
        "id": blackout.id,
        "start": "2026-12-03T07:00:00Z",
        "end": "2026-12-03T17:00:00Z",
        "reason": "Service",
    }
    assert (removed.action, removed.before, removed.after) == (
        "blackout_removed",
        added.after,
        None,
    )


def test_holiday_openings_and_closings_are_recorded(resource, manager):
    opening, _ = holiday_openings.open_on_holiday(manager, resource.id, date(2026, 12, 8), now=NOW)
    holiday_openings.close_on_holiday(manager, opening.id, now=LATER)
    assert [
        (e.action, (e.before or e.after)["day"]) for e in entries(manager, "resource", resource.id)
    ] == [
        ("holiday_closed", "2026-12-08"),
        ("holiday_opened", "2026-12-08"),
    ]


def test_qualifications_granted_changed_and_revoked_are_recorded(resource, manager):
    trainee = make_user()
    qualification, _ = qualification_service.grant_qualification(
        manager, resource.id, user_id=trainee.id, now=NOW
    )
    qualification_service.grant_qualification(
        manager, resource.id, user_id=trainee.id, expires_on=date(2027, 6, 30), now=NOW
    )
    qualification_service.revoke_qualification(manager, qualification.id, now=LATER)
    revoked, changed, granted = entries(manager, "resource", resource.id)
    assert (granted.action, granted.after["user_id"], granted.after["expires_on"]) == (
        "qualification_granted",
        trainee.id,
        None,
    )
    assert (changed.action, changed.before["expires_on"], changed.after["expires_on"]) == (
        "qualification_changed",
        None,
        "2027-06-30",
    )
    assert (revoked.action, revoked.before["user_id"], revoked.after) == (
        "qualification_revoked",
        trainee.id,
        None,
    )


def test_training_decisions_are_recorded(manager):
    resource = make_resource(manager.organisation, managers=[manager], requires_qualification=True)
    granted_to, declined_for = make_user(), make_user()
    granted = make_training_request(granted_to, resource)
    declined = make_training_request(declined_for, resource)
    training.grant(manager, granted.id, now=NOW)
    training.decline(manager, declined.id, now=LATER)
    assert [
        (e.action, e.after["user_id"], e.actor_id)
        for e in entries(manager, "resource", resource.id)
    ] == [
        ("training_declined", declined_for.id, manager.id),
        ("qualification_granted", granted_to.id, manager.id),
        ("training_granted", granted_to.id, manager.id),
    ]


def test_a_resource_history_is_newest_first(resource, manager):
    for hour, capacity in ((10, 2), (9, 3), (11, 4)):
        resource_service.update_resource(
            manager, resource.id, {"capacity": capacity}, now=NOW.replace(hour=hour)
        )
    assert [e.after["capacity"] for e in entries(manager, "resource", resource.id)] == [4, 2, 3]


def test_bookings_are_not_in_the_resource_history(resource, manager):
    book(make_user(), resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    assert entries(manager, "resource", resource.id) == []


# --- Who reads which history -------------------------------------------------------------------


def test_a_resources_history_is_read_by_its_managers_and_its_organisations_admins(
    resource, manager
):
    for reader in (manager, make_org_admin(resource.organisation), make_network_admin()):
        assert entries(reader, "resource", resource.id) == []


def test_a_member_of_the_owner_who_does_not_manage_it_may_not_read_it(resource):
    with pytest.raises(Forbidden):
        entries(make_user(resource.organisation), "resource", resource.id)


def test_another_organisations_admin_may_not_read_a_resources_history(resource):
    with pytest.raises(Forbidden):
        entries(make_org_admin(), "resource", resource.id)


def test_a_resource_invisible_to_the_reader_has_no_history_for_them(manager):
    private = make_resource(manager.organisation, visibility="organisation")
    with pytest.raises(NotFound):
        entries(make_org_admin(), "resource", private.id)


def test_one_reads_ones_own_account_history(app):
    user = make_user()
    assert entries(user, "user", user.id) == []


def test_an_accounts_history_is_read_by_its_organisations_admins(app):
    user = make_user()
    assert entries(make_org_admin(user.organisation), "user", user.id) == []


def test_a_member_may_not_read_another_accounts_history(app):
    user = make_user()
    with pytest.raises(Forbidden):
        entries(make_user(user.organisation), "user", user.id)


def test_another_organisations_admin_does_not_find_an_account(app):
    user = make_user()
    with pytest.raises(NotFound):
        entries(make_org_admin(), "user", user.id)


def test_an_organisations_history_is_read_by_its_admins_and_network_admins(app):
    organisation = make_organisation()
    for reader in (make_org_admin(organisation), make_network_admin()):
        assert entries(reader, "organisation", organisation.id) == []


def test_members_and_other_admins_may_not_read_an_organisations_history(app):
    organisation = make_organisation()
    for reader in (make_user(organisation), make_org_admin()):
        with pytest.raises(Forbidden):
            entries(reader, "organisation", organisation.id)


def test_an_unknown_organisation_has_no_history(admin):
    with pytest.raises(NotFound):
        entries(admin, "organisation", 4242)


# --- Append-only -------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["change_history", "booking_audit"])
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET reason = 'forged'", "DELETE FROM {table}", "TRUNCATE {table}"],
)
def test_postgresql_refuses_to_rewrite_either_history(admin, resource, table, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only triggers exist on PostgreSQL; SQLite relies on the services")
    # A row in each table: the row triggers fire only for rows there are.
    accounts.update_user(admin, make_user().id, name="Renamed", now=NOW)
    book(make_user(), resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    with pytest.raises(DBAPIError, match=f"{table} is append-only"):
        db.session.execute(text(statement.format(table=table)))
    db.session.rollback()
    count = db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    assert count == 1
    assert db.session.execute(select(func.count()).select_from(HistoryEntry)).scalar_one() == 1
