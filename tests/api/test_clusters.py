from tests.accounts_factories import assert_problem
from tests.factories import make_cluster, make_user, token_for


def test_clusters_need_a_token(client):
    assert_problem(client.get("/api/v1/clusters"), 401)


def test_any_user_lists_the_clusters_with_their_value_chains(client):
    cluster = make_cluster("MECH", value_chains=("robotics", "fluidpower"))
    headers = token_for(client, make_user())

    body = client.get("/api/v1/clusters", headers=headers).get_json()

    assert body["total"] == 1
    assert body["items"] == [
        {
            "id": cluster.id,
            "code": "MECH",
            "name_en": cluster.name_en,
            "name_it": cluster.name_it,
            "value_chains": [
                {
                    "id": vc.id,
                    "code": vc.code,
                    "name_en": vc.name_en,
                    "name_it": vc.name_it,
                }
                for vc in cluster.value_chains
            ],
        }
    ]


def test_clusters_are_listed_by_code_and_paginated(client):
    for code in ("URBAN", "AGRIFOOD", "MECH"):
        make_cluster(code)
    headers = token_for(client, make_user())

    body = client.get("/api/v1/clusters?per_page=2", headers=headers).get_json()

    assert [c["code"] for c in body["items"]] == ["AGRIFOOD", "MECH"]
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 2)


def test_a_page_size_over_the_maximum_is_invalid(client):
    headers = token_for(client, make_user())
    assert_problem(client.get("/api/v1/clusters?per_page=201", headers=headers), 422)
