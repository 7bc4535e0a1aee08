from decimal import Decimal

from tests.catalogue_factories import (
    make_network_admin,
    make_org_admin,
    resource_visible_to_clusters,
)
from tests.factories import (
    make_cluster,
    make_organisation,
    make_resource,
    make_user,
    token_for,
)

CONTRACT_FIELDS = {
    "id",
    "name",
    "kind",
    "organisation_id",
    "parent_id",
    "timezone",
    "city",
    "description",
    "clusters",
    "value_chains",
    "visibility",
    "approval",
    "capacity",
    "slot_minutes",
    "min_duration_minutes",
    "max_duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "lead_time_hours",
    "horizon_days",
    "requires_qualification",
    "monthly_quota_hours",
    "managers",
    "rates",
    "co_owners",
    "site",
    "specs",
    "children",
}


def test_listing_resources_needs_a_token(client):
    response = client.get("/api/v1/resources")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_a_resource_has_every_field_of_the_contract(client):
    manager = make_user()
    resource = make_resource(managers=[manager], rate_industry=Decimal("120.50"))
    body = client.get(f"/api/v1/resources/{resource.id}", headers=token_for(client, manager)).json
    assert set(body) >= CONTRACT_FIELDS
    assert body["managers"] == [manager.id]
    assert body["rates"] == {"internal": None, "network": None, "academic": None, "industry": 120.5}


def test_the_list_is_paginated(client):
    for n in range(5):
        make_resource(name=f"R{n}")
    headers = token_for(client, make_user())
    body = client.get("/api/v1/resources?page=2&per_page=2", headers=headers).json
    assert (body["total"], body["page"], body["per_page"]) == (5, 2, 2)
    assert [item["name"] for item in body["items"]] == ["R2", "R3"]


def test_per_page_above_the_maximum_is_invalid(client):
    response = client.get("/api/v1/resources?per_page=201", headers=token_for(client, make_user()))
    assert response.status_code == 422
    assert "per_page" in response.json["errors"]


def test_the_list_filters_and_counts_facets(client):
    mech = make_cluster("MECH", value_chains=("robotics",))
    owner = make_organisation(slug="bi-rex", city="Bologna")
    make_resource(owner, name="Cobot", clusters=[mech], value_chains=mech.value_chains)
    make_resource(owner, name="Lathe")
    make_resource(name="Pilot line", kind="pilot_installation", city="Modena")
    headers = token_for(client, make_user())
    for query, names in (
        ("q=cobot", ["Cobot"]),
        ("kind=pilot_installation", ["Pilot line"]),
        (f"cluster={mech.id}", ["Cobot"]),
        ("cluster=MECH", ["Cobot"]),
        (f"value_chain={mech.value_chains[0].id}", ["Cobot"]),
        ("organisation=bi-rex", ["Cobot", "Lathe"]),
        ("city=Modena", ["Pilot line"]),
    ):
        body = client.get(f"/api/v1/resources?{query}", headers=headers).json
        assert [item["name"] for item in body["items"]] == names, query
    facets = client.get("/api/v1/resources?city=Bologna", headers=headers).json["facets"]
    assert {f["value"]: f["count"] for f in facets["city"]} == {"Bologna": 2, "Modena": 1}
    assert facets["cluster"] == [{"value": mech.id, "label": mech.name_en, "count": 1}]


def test_an_unknown_kind_filter_is_422(client):
    response = client.get("/api/v1/resources?kind=boat", headers=token_for(client, make_user()))
    assert response.status_code == 422
    assert "kind" in response.json["errors"]


def test_full_text_search_finds_a_description_word_and_an_organisation_name(client):
    make_resource(name="Rheometer", description="Measures viscoelastic polymers")
    make_resource(make_organisation(name="Tecnopolo Mirandola"), name="Bioreactor")
    make_resource(name="Lathe")
    headers = token_for(client, make_user())
    by_description = client.get("/api/v1/resources?q=viscoelastic", headers=headers).json
    by_organisation = client.get("/api/v1/resources?q=mirandola", headers=headers).json
    assert [item["name"] for item in by_description["items"]] == ["Rheometer"]
    assert [item["name"] for item in by_organisation["items"]] == ["Bioreactor"]


def test_a_resource_with_organisation_visibility_is_404_for_other_organisations(client):
    resource = make_resource(visibility="organisation")
    headers = token_for(client, make_user())
    assert client.get(f"/api/v1/resources/{resource.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/resources", headers=headers).json["total"] == 0


def test_a_clusters_resource_is_visible_only_to_organisations_sharing_a_cluster(client):
    resource, inside, outside = resource_visible_to_clusters()
    url = f"/api/v1/resources/{resource.id}"
    assert client.get(url, headers=token_for(client, make_user(inside))).status_code == 200
    assert client.get(url, headers=token_for(client, make_user(outside))).status_code == 404


def test_children_lists_only_the_visible_resources_inside(client):
    lab = make_resource(kind="joint_lab")
    seen = make_resource(lab.organisation, parent_id=lab.id)
    make_resource(lab.organisation, parent_id=lab.id, visibility="organisation")
    body = client.get(f"/api/v1/resources/{lab.id}", headers=token_for(client, make_user())).json
    assert body["children"] == [seen.id]


def test_an_organisation_admin_creates_a_resource_with_defaults(client):
    admin = make_org_admin()
    response = client.post(
        "/api/v1/resources",
        json={"name": "Lathe", "kind": "instrument"},
        headers=token_for(client, admin),
    )
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/resources/{body['id']}")
    assert body["organisation_id"] == admin.organisation_id
    assert (body["capacity"], body["slot_minutes"], body["min_duration_minutes"]) == (1, 15, 15)
    assert (body["max_duration_minutes"], body["horizon_days"]) == (None, 365)
    assert (body["visibility"], body["approval"]) == ("network", "external")
    assert (body["buffer_before_minutes"], body["lead_time_hours"]) == (0, 0)


def test_a_member_may_not_create_a_resource(client):
    response = client.post(
        "/api/v1/resources",
        json={"name": "Lathe", "kind": "instrument"},
        headers=token_for(client, make_user()),
    )
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_invalid_fields_are_422_listing_each(client):
    response = client.post(
        "/api/v1/resources",
        json={"kind": "boat", "capacity": 0, "slot_minutes": 7, "timezone": "Nowhere"},
        headers=token_for(client, make_org_admin()),
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"name", "kind", "capacity", "slot_minutes", "timezone"}


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/resources",
        data="{nope",
        headers={**token_for(client, make_org_admin()), "Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_a_manager_patches_a_resource(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.patch(
        f"/api/v1/resources/{resource.id}",
        json={"capacity": 3, "rates": {"industry": 99}, "specs": [["Power", "3 kW"]]},
        headers=token_for(client, manager),
    )
    assert response.status_code == 200
    assert response.json["capacity"] == 3
    assert response.json["rates"]["industry"] == 99.0
    assert response.json["specs"] == [["Power", "3 kW"]]


def test_an_organisation_admin_may_not_patch_another_organisations_resource(client):
    resource = make_resource()
    response = client.patch(
        f"/api/v1/resources/{resource.id}",
        json={"name": "Mine now"},
        headers=token_for(client, make_org_admin()),
    )
    assert response.status_code == 403


def test_patching_an_invisible_resource_is_404(client):
    resource = make_resource(visibility="organisation")
    response = client.patch(
        f"/api/v1/resources/{resource.id}",
        json={"name": "Mine now"},
        headers=token_for(client, make_org_admin()),
    )
    assert response.status_code == 404


def test_a_manager_may_not_move_a_resource_to_another_organisation(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.patch(
        f"/api/v1/resources/{resource.id}",
        json={"organisation_id": make_organisation().id},
        headers=token_for(client, manager),
    )
    assert response.status_code == 403


def test_a_network_admin_moves_a_resource(client):
    resource = make_resource()
    target = make_organisation()
    response = client.patch(
        f"/api/v1/resources/{resource.id}",
        json={"organisation_id": target.id},
        headers=token_for(client, make_network_admin()),
    )
    assert response.status_code == 200
    assert response.json["organisation_id"] == target.id


def test_read_only_fields_cannot_be_patched(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.patch(
        f"/api/v1/resources/{resource.id}",
        json={"id": 5, "children": []},
        headers=token_for(client, manager),
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"id", "children"}


def test_managers_and_co_owners_are_given_as_ids(client):
    admin = make_org_admin()
    manager, partner = make_user(), make_organisation()
    response = client.post(
        "/api/v1/resources",
        json={
            "name": "Lab",
            "kind": "joint_lab",
            "managers": [manager.id],
            "co_owners": [partner.id],
        },
        headers=token_for(client, admin),
    )
    assert response.status_code == 201
    assert (response.json["managers"], response.json["co_owners"]) == ([manager.id], [partner.id])


def test_an_id_beyond_the_databases_integers_is_404(client):
    headers = token_for(client, make_network_admin())
    assert client.get("/api/v1/resources/99999999999", headers=headers).status_code == 404
    response = client.patch("/api/v1/resources/99999999999", json={}, headers=headers)
    assert response.status_code == 404


def test_ids_beyond_the_databases_integers_are_invalid_references(client):
    response = client.post(
        "/api/v1/resources",
        json={
            "name": "Lab",
            "kind": "instrument",
            "managers": [99999999999],
            "parent_id": 99999999999,
            "clusters": [99999999999],
        },
        headers=token_for(client, make_org_admin()),
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"managers", "parent_id", "clusters"}


def test_filters_and_pages_beyond_any_value_answer_without_error(client):
    make_resource()
    headers = token_for(client, make_user())
    body = client.get("/api/v1/resources?cluster=99999999999", headers=headers).json
    assert body["total"] == 0
    response = client.get("/api/v1/resources?page=99999999999999999999", headers=headers)
    assert response.status_code == 422
