"""Creating and editing resources: fields, policies, joint labs, who may."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from booking.services import resources as resource_service
from booking.services.errors import Forbidden, InvalidInput, NotFound
from tests.catalogue_factories import make_network_admin, make_org_admin
from tests.factories import (
    make_cluster,
    make_organisation,
    make_resource,
    make_user,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_new_resource_gets_the_contracts_defaults(app):
    admin = make_org_admin(make_organisation(city="Ferrara"))
    resource = resource_service.create_resource(
        admin, {"name": "Lathe", "kind": "instrument"}, now=NOW
    )
    assert resource.organisation_id == admin.organisation_id
    assert resource.city == "Ferrara"
    assert (resource.capacity, resource.slot_minutes, resource.min_duration_minutes) == (1, 15, 15)
    assert resource.max_duration_minutes is None
    assert (resource.buffer_before_minutes, resource.buffer_after_minutes) == (0, 0)
    assert (resource.lead_time_hours, resource.horizon_days) == (0, 365)
    assert (resource.visibility, resource.approval) == ("network", "external")
    assert resource.timezone == "Europe/Rome"
    assert resource.opening_hours == []


def test_the_minimum_duration_defaults_to_one_slot(app):
    admin = make_org_admin()
    resource = resource_service.create_resource(
        admin, {"name": "Lathe", "kind": "instrument", "slot_minutes": 30}, now=NOW
    )
    assert resource.min_duration_minutes == 30


def test_a_member_may_not_create_a_resource(app):
    with pytest.raises(Forbidden):
        resource_service.create_resource(
            make_user(), {"name": "Lathe", "kind": "instrument"}, now=NOW
        )


def test_an_organisation_admin_may_not_create_for_another_organisation(app):
    admin = make_org_admin()
    other = make_organisation()
    with pytest.raises(Forbidden):
        resource_service.create_resource(
            admin, {"name": "Lathe", "kind": "instrument", "organisation_id": other.id}, now=NOW
        )


def test_a_network_admin_creates_for_any_organisation(app):
    other = make_organisation()
    resource = resource_service.create_resource(
        make_network_admin(),
        {"name": "Lathe", "kind": "instrument", "organisation_id": other.id},
        now=NOW,
    )
    assert resource.organisation_id == other.id


def test_every_invalid_field_is_listed(app):
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            make_org_admin(),
            {
                "name": "",
                "kind": "spaceship",
                "visibility": "everyone",
                "approval": "maybe",
                "capacity": 0,
                "slot_minutes": 7,
                "buffer_after_minutes": -5,
                "horizon_days": "soon",
                "timezone": "Mars/Olympus",
                "specs": [["only a label"]],
                "rates": {"industry": -1, "alien": 3},
                "managers": ["x"],
                "colour": "red",
            },
            now=NOW,
        )
    assert set(error.value.errors) == {
        "name",
        "kind",
        "visibility",
        "approval",
        "capacity",
        "slot_minutes",
        "buffer_after_minutes",
        "horizon_days",
        "timezone",
        "specs",
        "rates.industry",
        "rates.alien",
        "managers",
        "colour",
    }


def test_name_and_kind_are_required(app):
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(make_org_admin(), {}, now=NOW)
    assert set(error.value.errors) == {"name", "kind"}


@pytest.mark.parametrize("slot", [7, 25, 1441])
def test_the_slot_must_divide_a_day(app, slot):
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            make_org_admin(), {"name": "X", "kind": "instrument", "slot_minutes": slot}, now=NOW
        )
    assert set(error.value.errors) == {"slot_minutes"}


def test_the_minimum_duration_must_be_a_whole_number_of_slots(app):
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            make_org_admin(),
            {"name": "X", "kind": "instrument", "slot_minutes": 30, "min_duration_minutes": 45},
            now=NOW,
        )
    assert set(error.value.errors) == {"min_duration_minutes"}


def test_the_maximum_duration_must_not_be_below_the_minimum(app):
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            make_org_admin(),
            {
                "name": "X",
                "kind": "instrument",
                "slot_minutes": 30,
                "min_duration_minutes": 60,
                "max_duration_minutes": 30,
            },
            now=NOW,
        )
    assert set(error.value.errors) == {"max_duration_minutes"}


def test_value_chains_must_belong_to_the_chosen_clusters(app):
    mech = make_cluster(value_chains=("robotics",))
    health = make_cluster()
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            make_org_admin(),
            {
                "name": "X",
                "kind": "instrument",
                "clusters": [health.id],
                "value_chains": [mech.value_chains[0].id],
            },
            now=NOW,
        )
    assert set(error.value.errors) == {"value_chains"}


def test_clusters_value_chains_managers_and_specs_are_stored(app):
    mech = make_cluster(value_chains=("robotics",))
    manager = make_user()
    resource = resource_service.create_resource(
        make_org_admin(),
        {
            "name": "Cobot",
            "kind": "instrument",
            "clusters": [mech.id],
            "value_chains": [mech.value_chains[0].id],
            "managers": [manager.id],
            "specs": [["Payload", "10 kg"]],
            "rates": {"industry": 80.5, "academic": 0},
        },
        now=NOW,
    )
    assert [c.id for c in resource.clusters] == [mech.id]
    assert [u.id for u in resource.managers] == [manager.id]
    assert resource.specs == [["Payload", "10 kg"]]
    assert resource.rate_industry == Decimal("80.50")
    assert resource.rate_academic == Decimal("0.00")
    assert resource.rate_network is None


def test_managers_must_be_existing_users(app):
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            make_org_admin(), {"name": "X", "kind": "instrument", "managers": [999]}, now=NOW
        )
    assert set(error.value.errors) == {"managers"}


def test_only_a_joint_lab_has_co_owners(app):
    partner = make_organisation()
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            make_org_admin(),
            {"name": "X", "kind": "instrument", "co_owners": [partner.id]},
            now=NOW,
        )
    assert set(error.value.errors) == {"co_owners"}


def test_a_joint_lab_gets_co_owners(app):
    partner = make_organisation()
    lab = resource_service.create_resource(
        make_org_admin(), {"name": "Lab", "kind": "joint_lab", "co_owners": [partner.id]}, now=NOW
    )
    assert [org.id for org in lab.co_owners] == [partner.id]


def test_the_parent_must_be_a_joint_lab(app):
    admin = make_org_admin()
    instrument = make_resource(admin.organisation)
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            admin, {"name": "X", "kind": "instrument", "parent_id": instrument.id}, now=NOW
        )
    assert set(error.value.errors) == {"parent_id"}


def test_a_joint_lab_cannot_be_inside_another_joint_lab(app):
    admin = make_org_admin()
    lab = make_resource(admin.organisation, kind="joint_lab")
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            admin, {"name": "X", "kind": "joint_lab", "parent_id": lab.id}, now=NOW
        )
    assert set(error.value.errors) == {"parent_id"}


def test_a_resource_cannot_be_its_own_parent(app):
    admin = make_org_admin()
    lab = make_resource(admin.organisation, kind="joint_lab")
    with pytest.raises(InvalidInput) as error:
        resource_service.update_resource(admin, lab.id, {"parent_id": lab.id}, now=NOW)
    assert "parent_id" in error.value.errors


def test_an_invisible_parent_is_refused_like_an_unknown_one(app):
    admin = make_org_admin()
    hidden_lab = make_resource(kind="joint_lab", visibility="organisation")
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            admin, {"name": "X", "kind": "instrument", "parent_id": hidden_lab.id}, now=NOW
        )
    assert error.value.errors == {"parent_id": "must be the id of a joint lab"}


def test_a_resource_goes_only_inside_a_joint_lab_its_editor_manages(app):
    admin = make_org_admin()
    someone_elses_lab = make_resource(kind="joint_lab")
    with pytest.raises(InvalidInput) as error:
        resource_service.create_resource(
            admin, {"name": "X", "kind": "instrument", "parent_id": someone_elses_lab.id}, now=NOW
        )
    assert set(error.value.errors) == {"parent_id"}


def test_a_joint_lab_with_resources_inside_must_stay_a_joint_lab(app):
    admin = make_org_admin()
    lab = make_resource(admin.organisation, kind="joint_lab")
    make_resource(admin.organisation, parent_id=lab.id)
    with pytest.raises(InvalidInput) as error:
        resource_service.update_resource(admin, lab.id, {"kind": "instrument"}, now=NOW)
    assert set(error.value.errors) == {"kind"}


def test_a_manager_updates_the_policy_fields(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    resource_service.update_resource(
        manager,
        resource.id,
        {"slot_minutes": 30, "min_duration_minutes": 60, "approval": "always"},
        now=NOW,
    )
    assert (resource.slot_minutes, resource.min_duration_minutes) == (30, 60)
    assert resource.approval == "always"
    assert resource.updated_at == NOW


def test_an_update_checks_fields_against_the_unchanged_ones(app):
    manager = make_user()
    resource = make_resource(managers=[manager])  # slot 15, minimum 15
    with pytest.raises(InvalidInput) as error:
        resource_service.update_resource(manager, resource.id, {"slot_minutes": 30}, now=NOW)
    assert set(error.value.errors) == {"min_duration_minutes"}


def test_an_update_of_some_rates_keeps_the_others(app):
    manager = make_user()
    resource = make_resource(managers=[manager], rate_industry=Decimal(100))
    resource_service.update_resource(manager, resource.id, {"rates": {"academic": 20}}, now=NOW)
    assert (resource.rate_industry, resource.rate_academic) == (Decimal(100), Decimal(20))


def test_a_manager_may_not_move_the_resource_to_another_organisation(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(Forbidden):
        resource_service.update_resource(
            manager, resource.id, {"organisation_id": make_organisation().id}, now=NOW
        )


def test_a_network_admin_moves_a_resource_to_another_organisation(app):
    resource = make_resource()
    target = make_organisation()
    resource_service.update_resource(
        make_network_admin(), resource.id, {"organisation_id": target.id}, now=NOW
    )
    assert resource.organisation_id == target.id


def test_an_organisation_admin_may_not_edit_another_organisations_resource(app):
    resource = make_resource()
    with pytest.raises(Forbidden):
        resource_service.update_resource(make_org_admin(), resource.id, {"name": "Mine"}, now=NOW)


def test_editing_an_invisible_resource_is_not_found(app):
    resource = make_resource(visibility="organisation")
    with pytest.raises(NotFound):
        resource_service.update_resource(make_user(), resource.id, {"name": "Mine"}, now=NOW)
