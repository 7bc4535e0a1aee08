"""The history on the pages: the resource's History tab, the admin's account and organisation
pages and the organisation's own page; who, when in local time, what changed (old → new), in
both languages, and only for those who may read it."""

from datetime import UTC, datetime

import pytest

from booking.services import accounts, blackouts, organisations, resources
from tests.booking_factories import rome
from tests.catalogue_factories import log_in, make_network_admin, make_org_admin
from tests.factories import make_cluster, make_organisation, make_resource, make_user

ITALIAN = {"Accept-Language": "it-IT,it;q=0.9"}
# 09:15 in Rome.
MOMENT = datetime(2026, 12, 1, 8, 15, tzinfo=UTC)


@pytest.fixture
def manager(app):
    return make_user(name="Marta Manager")


@pytest.fixture
def resource(manager):
    return make_resource(manager.organisation, name="Rheometer", managers=[manager])


def history_tab(client, resource, **headers):
    return client.get(f"/manage/resources/{resource.id}/history", headers=headers)


def test_the_history_tab_shows_who_changed_which_setting_from_what_to_what(
    client, manager, resource
):
    resources.update_resource(
        manager, resource.id, {"capacity": 3, "rates": {"industry": 80}}, now=MOMENT
    )
    log_in(client, manager)

    html = history_tab(client, resource).get_data(as_text=True)

    assert "Details and rules changed" in html
    assert "Tue 1 Dec 2026, 09:15 · Marta Manager" in html
    assert "<del>1</del>" in html and "<ins>3</ins>" in html
    assert "Rate: Companies</span>:" in html and "<del>Free</del>" in html
    assert "<ins>€80.00 per hour</ins>" in html
    # Only what changed.
    assert "Slot (minutes)" not in html


def test_the_history_tab_reads_in_italian(client, manager, resource):
    blackouts.create_blackout(
        manager,
        resource.id,
        start=rome(2026, 12, 3, 8),
        end=rome(2026, 12, 3, 12),
        reason="Manutenzione",
        now=MOMENT,
    )
    log_in(client, manager)

    html = history_tab(client, resource, **ITALIAN).get_data(as_text=True)

    assert "Cronologia di Rheometer" in html
    assert "Chiusura aggiunta" in html
    assert "mar 1 dic 2026, 09:15" in html
    assert "gio 3 dic 2026, 08:00" in html and "Manutenzione" in html


def test_managers_names_stand_for_their_ids(client, manager, resource):
    colleague = make_user(manager.organisation, name="Carlo Colleague")
    resources.update_resource(
        manager, resource.id, {"managers": [manager.id, colleague.id]}, now=MOMENT
    )
    log_in(client, manager)
    html = history_tab(client, resource).get_data(as_text=True)
    assert "<del>Marta Manager</del>" in html
    assert "<ins>Carlo Colleague, Marta Manager</ins>" in html


def test_the_tabs_of_a_resource_lead_to_its_history(client, manager, resource):
    log_in(client, manager)
    html = client.get(f"/manage/resources/{resource.id}/blackouts").get_data(as_text=True)
    assert f'href="/manage/resources/{resource.id}/history"' in html


def test_a_member_who_does_not_manage_the_resource_is_refused_its_history(client, resource):
    log_in(client, make_user(resource.organisation))
    assert history_tab(client, resource).status_code == 403


def test_an_invisible_resource_has_no_history_page(client, manager):
    private = make_resource(manager.organisation, visibility="organisation")
    log_in(client, make_org_admin())
    assert history_tab(client, private).status_code == 404


def test_the_admins_account_page_shows_the_accounts_history(client):
    user = make_user(name="Anna")
    admin = make_org_admin(user.organisation, name="Olga Admin")
    accounts.update_user(admin, user.id, roles=["member", "org_admin"], now=MOMENT)
    accounts.update_user(admin, user.id, password="a new and long password", now=MOMENT)
    log_in(client, admin)

    html = client.get(f"/admin/users/{user.id}").get_data(as_text=True)

    assert "Account changed" in html and "Password changed" in html
    assert "<del>Member</del>" in html and "<ins>Organisation admin, Member</ins>" in html
    assert user.password_hash not in html


def test_the_admins_organisation_page_shows_its_history_in_italian(client):
    admin = make_network_admin(name="Nora Network")
    organisation = make_organisation(name="Lab Uno")
    cluster = make_cluster("MECH")
    organisations.update_organisation(
        admin, organisation.id, accredited=True, cluster_ids=[cluster.id], now=MOMENT
    )
    log_in(client, admin)

    html = client.get(f"/admin/organisations/{organisation.id}", headers=ITALIAN).get_data(
        as_text=True
    )

    assert "Organizzazione modificata" in html and "Nora Network" in html
    assert "<del>No</del>" in html and "<ins>Sì</ins>" in html
    assert "<ins>MECH</ins>" in html


def test_an_organisations_admins_see_its_history_on_its_page(client):
    organisation = make_organisation(slug="lab-uno")
    organisations.update_organisation(
        make_network_admin(), organisation.id, city="Parma", now=MOMENT
    )
    log_in(client, make_org_admin(organisation))
    html = client.get("/organisations/lab-uno").get_data(as_text=True)
    assert "Organisation changed" in html and "<ins>Parma</ins>" in html


def test_a_member_sees_no_history_on_the_organisations_page(client):
    organisation = make_organisation(slug="lab-uno")
    organisations.update_organisation(
        make_network_admin(), organisation.id, city="Parma", now=MOMENT
    )
    log_in(client, make_user(organisation))
    html = client.get("/organisations/lab-uno").get_data(as_text=True)
    assert 'id="history"' not in html and "Organisation changed" not in html


def test_ones_profile_shows_ones_own_accounts_history(client):
    user = make_user()
    accounts.update_user(make_org_admin(user.organisation), user.id, name="Renamed", now=MOMENT)
    log_in(client, user)
    html = client.get("/profile").get_data(as_text=True)
    assert "Account changed" in html and "<ins>Renamed</ins>" in html


def test_renaming_oneself_on_the_profile_page_is_recorded(client):
    user = make_user(name="Before")
    log_in(client, user)
    client.post("/profile", data={"profile-name": "After", "profile-locale": ""})
    html = client.get("/profile").get_data(as_text=True)
    assert "<del>Before</del>" in html and "<ins>After</ins>" in html


def test_a_joint_lab_the_reader_may_not_see_is_not_named(client):
    owner = make_organisation()
    lab = make_resource(owner, name="Secret lab", kind="joint_lab", visibility="organisation")
    outside_manager = make_user()
    inside = make_resource(owner, name="Mill", managers=[outside_manager])
    resources.update_resource(make_org_admin(owner), inside.id, {"parent_id": lab.id}, now=MOMENT)
    log_in(client, outside_manager)
    html = history_tab(client, inside).get_data(as_text=True)
    assert "Inside the joint lab" in html and f"<ins>#{lab.id}</ins>" in html
    assert "Secret lab" not in html
