"""Finding resources: text search, filters, facets, visibility."""

import pytest

from booking.extensions import db
from booking.services import catalogue
from booking.services.errors import InvalidInput
from tests.factories import (
    make_cluster,
    make_organisation,
    make_resource,
    make_user,
)


def _names(result) -> list[str]:
    return [resource.name for resource in result.items]


def _counts(result, facet) -> dict:
    return {value.value: value.count for value in result.facets[facet]}


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
