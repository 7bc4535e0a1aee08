"""The OpenAPI document describes every route of the API, and looks like OpenAPI 3.

It reads the application's URL map, so routes added later by any area are checked too.
"""

import re

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PREFIX = "/api/v1"
# The document's own address is where clients start; it need not describe itself.
SELF = "/api/v1/openapi.json"


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def _template(rule: str) -> str:
    """`/resources/<int:id>` as an OpenAPI path template, with its parameter names blanked."""
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "{}", rule[len(PREFIX) :])


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_the_document_is_openapi_3_with_info_and_paths(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"]
    assert all(path.startswith("/") for path in document["paths"])


def test_every_operation_answers_with_described_responses(document):
    for path, method, operation in _operations(document):
        assert operation.get("responses"), f"{method.upper()} {path} has no responses"
        for status, response in operation["responses"].items():
            assert status == "default" or re.fullmatch(r"[1-5]\d\d", status), (path, status)
            assert "description" in response or "$ref" in response, (path, status)


def test_every_path_parameter_is_declared(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            declared = {
                parameter["name"]
                for parameter in item.get("parameters", []) + operation.get("parameters", [])
                if parameter.get("in") == "path"
            }
            assert set(re.findall(r"{([^}]+)}", path)) <= declared, f"{method.upper()} {path}"


def test_every_reference_points_into_the_components(document):
    text = str(document)
    for reference in re.findall(r"'\$ref': '#/components/(\w+)/(\w+)'", text):
        kind, name = reference
        assert name in document["components"][kind], f"#/components/{kind}/{name}"


def test_every_route_of_the_api_is_in_the_document_with_its_methods(app, document):
    documented = {
        (_template(PREFIX + re.sub(r"{[^}]+}", "<x>", path)), method)
        for path, method, _ in _operations(document)
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api" or rule.rule == SELF:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (_template(rule.rule), method.lower()) not in documented:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_the_catalogue_routes_are_documented_with_bodies(document):
    paths = document["paths"]
    assert "requestBody" in paths["/resources"]["post"]
    assert "requestBody" in paths["/resources/{id}"]["patch"]
    assert "requestBody" in paths["/resources/{id}/opening-hours"]["put"]
    assert "requestBody" in paths["/resources/{id}/blackouts"]["post"]
    assert "requestBody" in paths["/resources/{id}/qualifications"]["post"]
    names = {p["name"] for p in paths["/resources"]["get"]["parameters"]}
    assert {"q", "kind", "cluster", "value_chain", "organisation", "city", "page"} <= names
