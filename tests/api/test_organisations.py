from sqlalchemy import select

from booking.extensions import db
from booking.models import Organisation
from tests.accounts_factories import assert_problem, make_network_admin, make_org_admin
from tests.factories import make_cluster, make_organisation, make_user, token_for

VALID_VAT = "00743110157"


def _new(**fields) -> dict:
    return {"name": "Tecnopolo di Ferrara", "type": "innovation_centre", "city": "Ferrara"} | fields


def test_organisations_need_a_token(client):
    assert_problem(client.get("/api/v1/organisations"), 401)


def test_any_user_lists_organisations_by_name(client):
    cluster = make_cluster()
    make_organisation(name="Zeta Lab")
    alpha = make_organisation(name="Alpha Lab", clusters=[cluster])
    headers = token_for(client, make_user(make_organisation(name="Mid Lab")))

    body = client.get("/api/v1/organisations", headers=headers).get_json()

    assert [o["name"] for o in body["items"]] == ["Alpha Lab", "Mid Lab", "Zeta Lab"]
    assert body["total"] == 3
    assert body["items"][0] == {
        "id": alpha.id,
        "name": "Alpha Lab",
        "slug": alpha.slug,
        "type": "research_lab",
        "city": "Bologna",
        "vat_number": None,
        "accredited": False,
        "description": "",
        "website": None,
        "clusters": [cluster.id],
    }


def test_organisations_are_searched_by_part_of_the_name_in_any_case(client):
    make_organisation(name="BI-REX Competence Center")
    make_organisation(name="CNR Bologna")
    headers = token_for(client, make_user())

    body = client.get("/api/v1/organisations?q=competence", headers=headers).get_json()

    assert [o["name"] for o in body["items"]] == ["BI-REX Competence Center"]


def test_a_search_with_a_percent_sign_matches_it_literally(client):
    make_organisation(name="Lab 100% green")
    make_organisation(name="Lab 100 blue")
    headers = token_for(client, make_user())

    body = client.get("/api/v1/organisations?q=100%25", headers=headers).get_json()

    assert [o["name"] for o in body["items"]] == ["Lab 100% green"]


def test_organisations_are_filtered_by_type_cluster_and_city(client):
    mech = make_cluster("MECH")
    wanted = make_organisation(type="startup", city="Modena", clusters=[mech])
    make_organisation(type="startup", city="Modena")
    make_organisation(type="startup", city="Parma", clusters=[mech])
    make_organisation(type="university", city="Modena", clusters=[mech])
    headers = token_for(client, make_user(wanted))

    body = client.get(
        f"/api/v1/organisations?type=startup&cluster={mech.id}&city=modena", headers=headers
    ).get_json()

    assert [o["id"] for o in body["items"]] == [wanted.id]


def test_an_unknown_type_filter_is_invalid(client):
    headers = token_for(client, make_user())
    body = assert_problem(client.get("/api/v1/organisations?type=castle", headers=headers), 422)
    assert "type" in body["errors"]


def test_any_user_reads_one_organisation(client):
    organisation = make_organisation(vat_number=VALID_VAT)
    headers = token_for(client, make_user())

    body = client.get(f"/api/v1/organisations/{organisation.id}", headers=headers).get_json()

    assert body["id"] == organisation.id
    assert body["vat_number"] == VALID_VAT


def test_an_unknown_organisation_is_404(client):
    headers = token_for(client, make_user())
    assert_problem(client.get("/api/v1/organisations/999", headers=headers), 404)


def test_a_network_admin_creates_an_organisation(client):
    greentech, mech = make_cluster("GREENTECH"), make_cluster("MECH")
    headers = token_for(client, make_network_admin())

    response = client.post(
        "/api/v1/organisations",
        headers=headers,
        json=_new(
            vat_number="IT 007 4311 0157",
            accredited=True,
            website="https://www.tecnopoloferrara.it",
            clusters=[mech.id, greentech.id],
        ),
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["slug"] == "tecnopolo-di-ferrara"
    assert body["vat_number"] == VALID_VAT
    assert body["accredited"] is True
    assert body["clusters"] == [greentech.id, mech.id]
    assert db.session.get(Organisation, body["id"]).city == "Ferrara"


def test_the_slug_is_made_from_the_name_without_accents(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/organisations", headers=headers, json=_new(name="Università di Parma — CIPACK")
    )
    assert response.get_json()["slug"] == "universita-di-parma-cipack"


def test_a_made_slug_avoids_one_already_in_use(client):
    make_organisation(slug="tecnopolo-di-ferrara")
    headers = token_for(client, make_network_admin())
    response = client.post("/api/v1/organisations", headers=headers, json=_new())
    assert response.get_json()["slug"] == "tecnopolo-di-ferrara-2"


def test_a_member_may_not_create_an_organisation(client):
    headers = token_for(client, make_user())
    assert_problem(client.post("/api/v1/organisations", headers=headers, json=_new()), 403)


def test_an_organisation_admin_may_not_create_an_organisation(client):
    admin = make_org_admin()
    headers = token_for(client, admin)
    assert_problem(client.post("/api/v1/organisations", headers=headers, json=_new()), 403)
    assert db.session.execute(select(Organisation.id)).all() == [(admin.organisation_id,)]


def test_a_wrong_vat_check_digit_is_invalid(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/organisations", headers=headers, json=_new(vat_number="00743110158")
    )
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {"vat_number"}


def test_an_unknown_cluster_id_is_invalid(client):
    cluster = make_cluster()
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/organisations", headers=headers, json=_new(clusters=[cluster.id, 999])
    )
    body = assert_problem(response, 422)
    assert "999" in body["errors"]["clusters"]


def test_missing_fields_are_listed_each(client):
    headers = token_for(client, make_network_admin())
    body = assert_problem(client.post("/api/v1/organisations", headers=headers, json={}), 422)
    assert set(body["errors"]) == {"name", "type", "city"}


def test_an_unknown_organisation_type_is_invalid(client):
    headers = token_for(client, make_network_admin())
    response = client.post("/api/v1/organisations", headers=headers, json=_new(type="castle"))
    assert set(assert_problem(response, 422)["errors"]) == {"type"}


def test_a_slug_with_capitals_or_spaces_is_lowered_or_refused(client):
    headers = token_for(client, make_network_admin())
    ok = client.post("/api/v1/organisations", headers=headers, json=_new(slug="TPF"))
    refused = client.post(
        "/api/v1/organisations", headers=headers, json=_new(name="Other", slug="two words")
    )
    assert ok.get_json()["slug"] == "tpf"
    assert set(assert_problem(refused, 422)["errors"]) == {"slug"}


def test_a_website_must_be_a_web_address(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/organisations", headers=headers, json=_new(website="ftp://example.org")
    )
    assert set(assert_problem(response, 422)["errors"]) == {"website"}


def test_a_name_already_used_in_another_case_is_a_conflict(client):
    make_organisation(name="TECNOPOLO DI FERRARA")
    headers = token_for(client, make_network_admin())
    assert_problem(client.post("/api/v1/organisations", headers=headers, json=_new()), 409)


def test_a_slug_already_used_is_a_conflict(client):
    make_organisation(slug="tpf")
    headers = token_for(client, make_network_admin())
    response = client.post("/api/v1/organisations", headers=headers, json=_new(slug="tpf"))
    assert_problem(response, 409)


def test_a_vat_number_already_used_is_a_conflict(client):
    make_organisation(vat_number=VALID_VAT)
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/organisations", headers=headers, json=_new(vat_number="IT" + VALID_VAT)
    )
    assert_problem(response, 409)


def test_malformed_json_is_a_bad_request(client):
    headers = token_for(client, make_network_admin()) | {"Content-Type": "application/json"}
    assert_problem(client.post("/api/v1/organisations", headers=headers, data="{"), 400)


def test_a_network_admin_changes_only_the_fields_sent(client):
    old, new = make_cluster(), make_cluster()
    organisation = make_organisation(name="Old name", city="Parma", clusters=[old])
    headers = token_for(client, make_network_admin())

    response = client.patch(
        f"/api/v1/organisations/{organisation.id}",
        headers=headers,
        json={"name": "New name", "accredited": True, "clusters": [new.id]},
    )

    body = response.get_json()
    assert response.status_code == 200
    assert (body["name"], body["city"], body["accredited"]) == ("New name", "Parma", True)
    assert body["slug"] == organisation.slug
    assert body["clusters"] == [new.id]


def test_a_null_slug_is_made_again_from_the_name(client):
    organisation = make_organisation(name="Rete Alta Tecnologia", slug="old")
    headers = token_for(client, make_network_admin())
    response = client.patch(
        f"/api/v1/organisations/{organisation.id}", headers=headers, json={"slug": None}
    )
    assert response.get_json()["slug"] == "rete-alta-tecnologia"


def test_a_null_vat_number_clears_it(client):
    organisation = make_organisation(vat_number=VALID_VAT)
    headers = token_for(client, make_network_admin())
    response = client.patch(
        f"/api/v1/organisations/{organisation.id}", headers=headers, json={"vat_number": None}
    )
    assert response.get_json()["vat_number"] is None


def test_an_organisation_keeps_its_own_name_and_vat_number_on_a_change(client):
    organisation = make_organisation(name="Same", vat_number=VALID_VAT)
    headers = token_for(client, make_network_admin())
    response = client.patch(
        f"/api/v1/organisations/{organisation.id}",
        headers=headers,
        json={"name": "Same", "vat_number": VALID_VAT, "city": "Rimini"},
    )
    assert response.status_code == 200


def test_renaming_to_another_organisations_name_is_a_conflict(client):
    make_organisation(name="Taken")
    organisation = make_organisation(name="Mine")
    headers = token_for(client, make_network_admin())
    response = client.patch(
        f"/api/v1/organisations/{organisation.id}", headers=headers, json={"name": "taken"}
    )
    assert_problem(response, 409)
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).name == "Mine"


def test_an_organisation_admin_may_not_change_their_organisation(client):
    organisation = make_organisation(name="Mine")
    headers = token_for(client, make_org_admin(organisation))
    response = client.patch(
        f"/api/v1/organisations/{organisation.id}", headers=headers, json={"name": "Renamed"}
    )
    assert_problem(response, 403)


def test_a_member_may_not_change_an_organisation(client):
    organisation = make_organisation()
    headers = token_for(client, make_user(organisation))
    response = client.patch(
        f"/api/v1/organisations/{organisation.id}", headers=headers, json={"city": "Rimini"}
    )
    assert_problem(response, 403)


def test_changing_an_unknown_organisation_is_404(client):
    headers = token_for(client, make_network_admin())
    assert_problem(client.patch("/api/v1/organisations/999", headers=headers, json={}), 404)


def test_a_null_name_is_invalid(client):
    organisation = make_organisation()
    headers = token_for(client, make_network_admin())
    response = client.patch(
        f"/api/v1/organisations/{organisation.id}", headers=headers, json={"name": None}
    )
    assert set(assert_problem(response, 422)["errors"]) == {"name"}


def test_the_openapi_document_describes_the_network_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(document["paths"]["/organisations"])
    assert {"get", "patch"} <= set(document["paths"]["/organisations/{id}"])
    assert "get" in document["paths"]["/clusters"]
    assert {"Cluster", "ValueChain", "OrganisationCreate", "OrganisationPatch"} <= set(
        document["components"]["schemas"]
    )
