from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from booking.extensions import db
from booking.models import Qualification
from booking.services import catalogue
from booking.services.errors import Forbidden, InvalidInput, NotFound
from tests.catalogue_factories import make_network_admin, make_org_admin
from tests.factories import (
    make_cluster,
    make_organisation,
    make_qualification,
    make_resource,
    make_user,
    set_opening_hours,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _names(result) -> list[str]:
    return [resource.name for resource in result.items]


def _counts(result, facet) -> dict:
    return {value.value: value.count for value in result.facets[facet]}


# --- search ------------------------------------------------------------------------------------


def test_search_finds_a_word_of_the_description(app):
    make_resource(name="Rheometer", description="Measures viscoelastic behaviour of polymers")
    make_resource(name="Lathe", description="Turns metal")
    assert _names(catalogue.search(None, q="viscoelastic")) == ["Rheometer"]


def test_search_finds_resources_by_the_owner_organisations_name(app):
    make_resource(make_organisation(name="Bologna Robotics Lab"), name="Cobot cell")
    make_resource(name="Lathe")
    assert _names(catalogue.search(None, q="robotics")) == ["Cobot cell"]


def test_search_finds_a_value_of_the_specifications(app):
    make_resource(name="SEM", specs=[["Detector", "Everhart-Thornley"]])
    make_resource(name="Lathe")
    assert _names(catalogue.search(None, q="Everhart")) == ["SEM"]


def test_search_finds_by_city_and_site(app):
    make_resource(name="Wind tunnel", city="Forlì", site="Tecnopolo aeronautico")
    make_resource(name="Lathe", city="Parma")
    assert _names(catalogue.search(None, q="aeronautico")) == ["Wind tunnel"]


def test_search_needs_every_word_of_the_query(app):
    make_resource(name="Electron microscope", description="scanning")
    make_resource(name="Optical microscope", description="confocal")
    assert _names(catalogue.search(None, q="microscope confocal")) == ["Optical microscope"]


def test_search_treats_like_wildcards_as_plain_characters(app):
    make_resource(name="Lathe")
    assert catalogue.search(None, q="%").total == 0


def test_search_shows_only_what_the_user_may_see(app):
    make_resource(name="Open")
    hidden = make_resource(name="Hidden", visibility="organisation")
    assert _names(catalogue.search(None)) == ["Open"]
    assert _names(catalogue.search(make_user())) == ["Open"]
    assert _names(catalogue.search(make_user(hidden.organisation))) == ["Hidden", "Open"]


def test_search_filters_by_kind_cluster_value_chain_organisation_and_city(app):
    mech = make_cluster("MECH", value_chains=("robotics", "materials"))
    robotics, materials = mech.value_chains
    owner = make_organisation(slug="bi-rex", city="Bologna")
    make_resource(owner, name="Cobot", clusters=[mech], value_chains=[robotics])
    make_resource(owner, name="Furnace", clusters=[mech], value_chains=[materials])
    make_resource(name="Pilot line", kind="pilot_installation", city="Modena")
    assert _names(catalogue.search(None, kind="pilot_installation")) == ["Pilot line"]
    assert _names(catalogue.search(None, cluster=mech.id)) == ["Cobot", "Furnace"]
    assert _names(catalogue.search(None, cluster="mech")) == ["Cobot", "Furnace"]
    assert _names(catalogue.search(None, value_chain=robotics.id)) == ["Cobot"]
    assert _names(catalogue.search(None, organisation="bi-rex")) == ["Cobot", "Furnace"]
    assert _names(catalogue.search(None, organisation=owner.id)) == ["Cobot", "Furnace"]
    assert _names(catalogue.search(None, city="modena")) == ["Pilot line"]


def test_an_unknown_kind_is_invalid_input(app):
    with pytest.raises(InvalidInput) as error:
        catalogue.search(None, kind="spaceship")
    assert "kind" in error.value.errors


def test_facet_counts_cover_the_resources_matching_the_other_filters(app):
    mech, health = make_cluster("MECH"), make_cluster("HEALTH")
    modena, parma = make_organisation(city="Modena"), make_organisation(city="Parma")
    make_resource(modena, clusters=[mech])
    make_resource(modena, clusters=[mech, health], kind="joint_lab")
    make_resource(parma, clusters=[health])
    make_resource(parma, visibility="organisation", clusters=[mech])
    result = catalogue.search(None, city="Modena")
    assert result.total == 2
    # The city facet ignores the city filter itself, so other cities stay one click away.
    assert _counts(result, "city") == {"Modena": 2, "Parma": 1}
    assert _counts(result, "cluster") == {mech.id: 2, health.id: 1}
    assert _counts(result, "kind") == {"instrument": 1, "joint_lab": 1}
    assert _counts(result, "organisation") == {modena.id: 2}


def test_search_pages_through_the_results_in_name_order(app):
    for n in range(5):
        make_resource(name=f"R{n}")
    second = catalogue.search(None, page=2, per_page=2)
    assert (second.total, _names(second)) == (5, ["R2", "R3"])


def test_search_loads_a_page_without_a_query_per_resource(app):
    cluster = make_cluster()
    for _ in range(10):
        make_resource(clusters=[cluster], managers=[make_user()])
    db.session.expire_all()
    statements = []
    from sqlalchemy import event

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = catalogue.search(None)
        for resource in result.items:
            _ = (resource.organisation.name, [c.code for c in resource.clusters], resource.managers)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) < 20


# --- creating and editing ----------------------------------------------------------------------


def test_a_new_resource_gets_the_contracts_defaults(app):
    admin = make_org_admin(make_organisation(city="Ferrara"))
    resource = catalogue.create_resource(admin, {"name": "Lathe", "kind": "instrument"}, now=NOW)
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
    resource = catalogue.create_resource(
        admin, {"name": "Lathe", "kind": "instrument", "slot_minutes": 30}, now=NOW
    )
    assert resource.min_duration_minutes == 30


def test_a_member_may_not_create_a_resource(app):
    with pytest.raises(Forbidden):
        catalogue.create_resource(make_user(), {"name": "Lathe", "kind": "instrument"}, now=NOW)


def test_an_organisation_admin_may_not_create_for_another_organisation(app):
    admin = make_org_admin()
    other = make_organisation()
    with pytest.raises(Forbidden):
        catalogue.create_resource(
            admin, {"name": "Lathe", "kind": "instrument", "organisation_id": other.id}, now=NOW
        )


def test_a_network_admin_creates_for_any_organisation(app):
    other = make_organisation()
    resource = catalogue.create_resource(
        make_network_admin(),
        {"name": "Lathe", "kind": "instrument", "organisation_id": other.id},
        now=NOW,
    )
    assert resource.organisation_id == other.id


def test_every_invalid_field_is_listed(app):
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
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
        catalogue.create_resource(make_org_admin(), {}, now=NOW)
    assert set(error.value.errors) == {"name", "kind"}


@pytest.mark.parametrize("slot", [7, 25, 1441])
def test_the_slot_must_divide_a_day(app, slot):
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
            make_org_admin(), {"name": "X", "kind": "instrument", "slot_minutes": slot}, now=NOW
        )
    assert set(error.value.errors) == {"slot_minutes"}


def test_the_minimum_duration_must_be_a_whole_number_of_slots(app):
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
            make_org_admin(),
            {"name": "X", "kind": "instrument", "slot_minutes": 30, "min_duration_minutes": 45},
            now=NOW,
        )
    assert set(error.value.errors) == {"min_duration_minutes"}


def test_the_maximum_duration_must_not_be_below_the_minimum(app):
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
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
        catalogue.create_resource(
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
    resource = catalogue.create_resource(
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
        catalogue.create_resource(
            make_org_admin(), {"name": "X", "kind": "instrument", "managers": [999]}, now=NOW
        )
    assert set(error.value.errors) == {"managers"}


def test_only_a_joint_lab_has_co_owners(app):
    partner = make_organisation()
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
            make_org_admin(),
            {"name": "X", "kind": "instrument", "co_owners": [partner.id]},
            now=NOW,
        )
    assert set(error.value.errors) == {"co_owners"}


def test_a_joint_lab_gets_co_owners(app):
    partner = make_organisation()
    lab = catalogue.create_resource(
        make_org_admin(), {"name": "Lab", "kind": "joint_lab", "co_owners": [partner.id]}, now=NOW
    )
    assert [org.id for org in lab.co_owners] == [partner.id]


def test_the_parent_must_be_a_joint_lab(app):
    admin = make_org_admin()
    instrument = make_resource(admin.organisation)
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
            admin, {"name": "X", "kind": "instrument", "parent_id": instrument.id}, now=NOW
        )
    assert set(error.value.errors) == {"parent_id"}


def test_a_joint_lab_cannot_be_inside_another_joint_lab(app):
    admin = make_org_admin()
    lab = make_resource(admin.organisation, kind="joint_lab")
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
            admin, {"name": "X", "kind": "joint_lab", "parent_id": lab.id}, now=NOW
        )
    assert set(error.value.errors) == {"parent_id"}


def test_a_resource_cannot_be_its_own_parent(app):
    admin = make_org_admin()
    lab = make_resource(admin.organisation, kind="joint_lab")
    with pytest.raises(InvalidInput) as error:
        catalogue.update_resource(admin, lab.id, {"parent_id": lab.id}, now=NOW)
    assert "parent_id" in error.value.errors


def test_an_invisible_parent_is_refused_like_an_unknown_one(app):
    admin = make_org_admin()
    hidden_lab = make_resource(kind="joint_lab", visibility="organisation")
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
            admin, {"name": "X", "kind": "instrument", "parent_id": hidden_lab.id}, now=NOW
        )
    assert error.value.errors == {"parent_id": "must be the id of a joint lab"}


def test_a_resource_goes_only_inside_a_joint_lab_its_editor_manages(app):
    admin = make_org_admin()
    someone_elses_lab = make_resource(kind="joint_lab")
    with pytest.raises(InvalidInput) as error:
        catalogue.create_resource(
            admin, {"name": "X", "kind": "instrument", "parent_id": someone_elses_lab.id}, now=NOW
        )
    assert set(error.value.errors) == {"parent_id"}


def test_a_joint_lab_with_resources_inside_must_stay_a_joint_lab(app):
    admin = make_org_admin()
    lab = make_resource(admin.organisation, kind="joint_lab")
    make_resource(admin.organisation, parent_id=lab.id)
    with pytest.raises(InvalidInput) as error:
        catalogue.update_resource(admin, lab.id, {"kind": "instrument"}, now=NOW)
    assert set(error.value.errors) == {"kind"}


def test_a_manager_updates_the_policy_fields(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    catalogue.update_resource(
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
        catalogue.update_resource(manager, resource.id, {"slot_minutes": 30}, now=NOW)
    assert set(error.value.errors) == {"min_duration_minutes"}


def test_an_update_of_some_rates_keeps_the_others(app):
    manager = make_user()
    resource = make_resource(managers=[manager], rate_industry=Decimal(100))
    catalogue.update_resource(manager, resource.id, {"rates": {"academic": 20}}, now=NOW)
    assert (resource.rate_industry, resource.rate_academic) == (Decimal(100), Decimal(20))


def test_a_manager_may_not_move_the_resource_to_another_organisation(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(Forbidden):
        catalogue.update_resource(
            manager, resource.id, {"organisation_id": make_organisation().id}, now=NOW
        )


def test_a_network_admin_moves_a_resource_to_another_organisation(app):
    resource = make_resource()
    target = make_organisation()
    catalogue.update_resource(
        make_network_admin(), resource.id, {"organisation_id": target.id}, now=NOW
    )
    assert resource.organisation_id == target.id


def test_an_organisation_admin_may_not_edit_another_organisations_resource(app):
    resource = make_resource()
    with pytest.raises(Forbidden):
        catalogue.update_resource(make_org_admin(), resource.id, {"name": "Mine"}, now=NOW)


def test_editing_an_invisible_resource_is_not_found(app):
    resource = make_resource(visibility="organisation")
    with pytest.raises(NotFound):
        catalogue.update_resource(make_user(), resource.id, {"name": "Mine"}, now=NOW)


# --- opening hours -----------------------------------------------------------------------------


def test_opening_hours_are_stored_and_read_back_in_the_same_shape(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    weekly = {"mon": [["08:00", "12:00"], ["14:00", "18:00"]], "sat": [["20:00", "24:00"]]}
    saved = catalogue.set_opening_hours(manager, resource.id, weekly, now=NOW)
    assert saved["mon"] == [["08:00", "12:00"], ["14:00", "18:00"]]
    assert saved["sat"] == [["20:00", "24:00"]]
    assert saved["tue"] == [] and saved["sun"] == []
    assert catalogue.get_opening_hours(None, resource.id) == saved


def test_overlapping_ranges_of_a_day_are_refused(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        catalogue.set_opening_hours(
            manager, resource.id, {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}, now=NOW
        )
    assert set(error.value.errors) == {"weekly.mon"}


def test_a_range_must_end_after_it_starts(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        catalogue.set_opening_hours(
            manager,
            resource.id,
            {"tue": [["18:00", "08:00"]], "wed": [["24:00", "24:00"]], "xyz": []},
            now=NOW,
        )
    assert set(error.value.errors) == {"weekly.tue", "weekly.wed", "weekly.xyz"}


def test_an_empty_schedule_opens_the_resource_at_all_hours(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    set_opening_hours(resource, {0: [("08:00", "18:00")]})
    catalogue.set_opening_hours(manager, resource.id, {}, now=NOW)
    assert resource.opening_hours == []


def test_a_member_may_not_set_opening_hours(app):
    resource = make_resource()
    with pytest.raises(Forbidden):
        catalogue.set_opening_hours(make_user(), resource.id, {}, now=NOW)


# --- blackouts ---------------------------------------------------------------------------------


def test_a_manager_adds_and_removes_a_blackout(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    blackout = catalogue.create_blackout(
        manager, resource.id, start=NOW, end=NOW + timedelta(days=1), reason="Service", now=NOW
    )
    assert catalogue.list_blackouts(manager, resource.id) == [blackout]
    catalogue.delete_blackout(manager, blackout.id)
    assert catalogue.list_blackouts(manager, resource.id) == []


def test_a_blackout_needs_aware_times_and_an_end_after_its_start(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as naive:
        catalogue.create_blackout(
            manager, resource.id, start=datetime(2026, 12, 1), end=NOW, now=NOW
        )
    assert set(naive.value.errors) == {"start"}
    with pytest.raises(InvalidInput) as backwards:
        catalogue.create_blackout(manager, resource.id, start=NOW, end=NOW, now=NOW)
    assert set(backwards.value.errors) == {"end"}


def test_upcoming_blackouts_include_those_of_the_joint_lab_around(app):
    lab = make_resource(kind="joint_lab")
    inside = make_resource(lab.organisation, parent_id=lab.id)
    admin = make_network_admin()
    closure = catalogue.create_blackout(
        admin, lab.id, start=NOW, end=NOW + timedelta(hours=2), now=NOW
    )
    assert catalogue.upcoming_blackouts(inside, now=NOW) == [closure]


def test_a_member_may_not_remove_a_blackout(app):
    resource = make_resource()
    blackout = catalogue.create_blackout(
        make_network_admin(), resource.id, start=NOW, end=NOW + timedelta(hours=1), now=NOW
    )
    with pytest.raises(Forbidden):
        catalogue.delete_blackout(make_user(), blackout.id)


def test_a_local_time_skipped_by_the_clock_change_is_refused(app):
    resource = make_resource(timezone="Europe/Rome")
    with pytest.raises(ValueError):
        catalogue.local_instant(resource, datetime(2026, 3, 29, 2, 30))
    assert catalogue.local_instant(resource, datetime(2026, 7, 1, 10, 0)).utcoffset() == timedelta(
        hours=2
    )


# --- qualifications ----------------------------------------------------------------------------


def test_granting_again_changes_the_expiry(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    trainee = make_user()
    first, created = catalogue.grant_qualification(
        manager, resource.id, user_id=trainee.id, expires_on=date(2027, 1, 31), now=NOW
    )
    again, created_again = catalogue.grant_qualification(
        manager, resource.id, user_id=trainee.id, expires_on=date(2027, 6, 30), now=NOW
    )
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.expires_on == date(2027, 6, 30)
    assert db.session.query(Qualification).count() == 1


def test_a_qualification_for_an_unknown_user_is_invalid(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        catalogue.grant_qualification(manager, resource.id, user_id=999, now=NOW)
    assert set(error.value.errors) == {"user_id"}


def test_a_qualification_cannot_expire_in_the_past(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        catalogue.grant_qualification(
            manager, resource.id, user_id=manager.id, expires_on=date(2026, 11, 30), now=NOW
        )
    assert set(error.value.errors) == {"expires_on"}


def test_a_member_may_neither_list_nor_revoke_qualifications(app):
    resource = make_resource()
    qualification = make_qualification(resource, make_user())
    with pytest.raises(Forbidden):
        catalogue.list_qualifications(make_user(), resource.id)
    with pytest.raises(Forbidden):
        catalogue.revoke_qualification(make_user(), qualification.id)
