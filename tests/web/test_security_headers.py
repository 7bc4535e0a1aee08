"""Security headers on every response, and templates that the Content-Security-Policy allows.

In the browser: tests/browser/test_content_security_policy.py."""

import re
from pathlib import Path

import pytest

from booking.services.calendar import replace_calendar_token
from tests.accounts_factories import log_in
from tests.apps import production_app
from tests.factories import make_resource, make_user

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Mails are shown by mail clients, never under the site's policy, and need their inline styles.
PAGE_TEMPLATES = sorted(p for p in TEMPLATES.rglob("*.html") if p.parent.name != "mail")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive → sources."""
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_security_headers(response) -> None:
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]


def test_the_policy_allows_no_inline_script_or_style_anywhere(client):
    header = client.get("/login").headers["Content-Security-Policy"]
    assert "unsafe" not in header
    assert "data:" not in header
    assert "*" not in header


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/"),
        ("GET", "/login"),
        ("GET", "/organisations"),
        ("GET", "/static/css/app.css"),
        ("GET", "/static/js/app.js"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/no-such-thing"),
        ("GET", "/calendar/nothing.ics"),
        ("GET", "/no-such-page"),
        ("DELETE", "/login"),
        ("DELETE", "/api/v1/me"),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(client, method, path):
    assert_security_headers(client.open(path, method=method))


def test_the_pages_of_a_logged_in_user_carry_the_security_headers(client):
    user = make_user()
    resource = make_resource(user.organisation)
    log_in(client, user)
    for path in ("/profile", "/bookings", f"/resources/{resource.id}", "/find"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_security_headers(response)


def test_a_calendar_feed_carries_the_security_headers(client):
    response = client.get(f"/calendar/{replace_calendar_token(make_user())}.ics")
    assert response.status_code == 200
    assert_security_headers(response)


def test_an_unexpected_failure_answers_a_page_with_the_security_headers(app, client, monkeypatch):
    def failing_view():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "catalogue.organisations", failing_view)
    response = client.get("/organisations")
    assert response.status_code == 500
    assert_security_headers(response)


def test_a_conditional_answer_keeps_the_security_headers(client):
    first = client.get("/static/css/app.css")
    again = client.get("/static/css/app.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert_security_headers(again)


def test_development_sends_no_strict_transport_security(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_production_sends_strict_transport_security_for_a_year_and_the_subdomains(app, monkeypatch):
    with production_app(app, monkeypatch) as production:
        response = production.test_client().get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_security_headers(response)


# --- What the pages may contain under the policy --------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def test_the_page_templates_are_found():
    assert len(PAGE_TEMPLATES) > 40
    assert TEMPLATES / "base.html" in PAGE_TEMPLATES


@pytest.mark.parametrize("template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_a_page_template_has_no_inline_script_handler_or_style(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text)
    assert not EVENT_HANDLER.search(text)
    assert "javascript:" not in text.lower()
    assert not STYLE.search(text)
