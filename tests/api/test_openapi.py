"""The OpenAPI document describes every route of the API, and looks like OpenAPI 3.

It reads the application's URL map, so routes added later by any area are checked too.
"""

import re

import pytest

from booking.services.catalogue import FIRST_YEAR, LAST_YEAR, MAX_ID, MAX_PAGE

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


# --- The limits the server enforces ----------------------------------------------------------------


def _resolved(document, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rpartition("/")[2]]
    return schema


def _objects_and_strings(document, schema: dict, name: str = "body"):
    """Every object and every string schema inside `schema`, with where it is."""
    schema = _resolved(document, schema)
    if schema.get("type") == "object":
        yield name, schema
        for field, inner in schema.get("properties", {}).items():
            yield from _objects_and_strings(document, inner, f"{name}.{field}")
    elif schema.get("type") == "array":
        yield from _objects_and_strings(document, schema["items"], f"{name}[]")
    elif schema.get("type") == "string":
        yield name, schema


def _request_bodies(document):
    for path, method, operation in _operations(document):
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            yield f"{method.upper()} {path}", schema


def test_every_body_says_that_unknown_fields_are_refused(document):
    open_objects = [
        f"{where}: {name}"
        for where, schema in _request_bodies(document)
        for name, inner in _objects_and_strings(document, schema)
        if inner.get("type") == "object" and inner.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_every_free_text_of_a_body_has_a_length_and_refuses_nul(document):
    unbounded = [
        f"{where}: {name}"
        for where, schema in _request_bodies(document)
        for name, inner in _objects_and_strings(document, schema)
        if inner.get("type") == "string"
        and "enum" not in inner
        and inner.get("format") not in ("date", "date-time", "email", "uri")
        and not ("maxLength" in inner and not re.search(inner.get("pattern", ""), "Lab\x00"))
    ]
    assert unbounded == []


def _parameters(document):
    for path, method, operation in _operations(document):
        item = document["paths"][path]
        for parameter in item.get("parameters", []) + operation.get("parameters", []):
            yield f"{method.upper()} {path}", parameter


def test_every_id_and_page_has_the_maximum_the_server_takes(document):
    unbounded = [
        f"{where}: {parameter['name']}"
        for where, parameter in _parameters(document)
        if parameter["schema"].get("type") == "integer"
        and (
            parameter["in"] == "path"
            or parameter["name"].endswith("id")
            or parameter["name"] == "page"
        )
        and parameter["schema"].get("maximum") not in (MAX_ID, MAX_PAGE)
    ]
    assert unbounded == []
    ids = [p["schema"] for _, p in _parameters(document) if p["in"] == "path"]
    assert all(schema == {"type": "integer", "minimum": 1, "maximum": MAX_ID} for schema in ids)


def test_every_instant_taken_is_limited_to_the_platforms_years(document):
    instants = [p["schema"] for _, p in _parameters(document)]
    instants += [
        inner
        for _, schema in _request_bodies(document)
        for _, inner in _objects_and_strings(document, schema)
    ]
    instants = [schema for schema in instants if schema.get("format") == "date-time"]
    assert len(instants) > 10
    for schema in instants:
        pattern = re.compile(schema["pattern"])
        assert pattern.match(f"{FIRST_YEAR}-01-01T00:00:00Z")
        assert pattern.match(f"{LAST_YEAR}-12-31T23:59:59+01:00")
        assert not pattern.match(f"{FIRST_YEAR - 1}-12-31T23:59:59Z")
        assert not pattern.match(f"{LAST_YEAR + 1}-01-01T00:00:00Z")


def test_every_operation_may_answer_503_and_every_body_413(document):
    for path, method, operation in _operations(document):
        assert "503" in operation["responses"], f"{method.upper()} {path}"
        if method in ("post", "put", "patch"):
            assert {"400", "413", "422"} <= set(operation["responses"]), f"{method.upper()} {path}"
