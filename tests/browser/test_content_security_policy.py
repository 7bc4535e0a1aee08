"""The pages work in headless Chromium with the Content-Security-Policy enforced: the browser's
console reports no violation (nor a malformed policy header) on any of the main pages, and the
app's script still runs (the confirmation before a form that replaces or removes something)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from booking.services.calendar import replace_calendar_token, replace_resource_feed_token
from tests.accounts_factories import make_network_admin
from tests.booking_factories import WEEKDAYS_8_TO_18, book, rome
from tests.browser.conftest import WAIT_SECONDS
from tests.factories import PASSWORD, make_organisation, make_resource, make_user, set_opening_hours
from tests.requests_factories import make_trial

pytestmark = pytest.mark.browser

# How the console words what the policies refuse or cannot read.
POLICY_WORDS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")
ERROR_HEADINGS = ("Not found", "Not allowed", "Something went wrong")


def policy_messages(browser) -> list[str]:
    """The console's messages about the page's policies since the last call (reading the log
    empties it)."""
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if any(words in entry["message"] for words in POLICY_WORDS)
    ]


def log_in(browser, live_server, user) -> None:
    browser.get(f"{live_server}/login")
    browser.find_element(By.ID, "email").send_keys(user.email)
    password = browser.find_element(By.ID, "password")
    password.send_keys(PASSWORD)
    password.find_element(By.XPATH, "ancestor::form").find_element(
        By.CSS_SELECTOR, "[type=submit]"
    ).click()
    WebDriverWait(browser, WAIT_SECONDS).until(ec.presence_of_element_located((By.ID, "content")))
    assert user.name in browser.find_element(By.TAG_NAME, "header").text


def test_the_browser_reports_an_inline_script_that_the_policy_refuses(app, live_server, browser):
    browser.get(f"{live_server}/login")
    browser.execute_script(
        "var s = document.createElement('script');"
        "s.textContent = 'document.title = \"inline ran\"';"
        "document.head.appendChild(s);"
    )
    assert browser.title != "inline ran"
    assert any("inline script" in message for message in policy_messages(browser))


def test_the_main_pages_raise_no_policy_violation_in_the_browser(app, live_server, browser):
    lab = make_organisation(name="Laboratorio Alfa", slug="laboratorio-alfa")
    admin = make_network_admin(lab, name="Anna Amministratrice")
    researcher = make_user(make_organisation(), name="Rita Ricercatrice")
    instrument = make_resource(lab, name="Spettrometro", approval="none", managers=[admin])
    approved = make_resource(lab, name="Microscopio", approval="always", managers=[admin])
    pilot = make_resource(lab, name="Impianto pilota", kind="pilot_installation", managers=[admin])
    for resource in (instrument, approved, pilot):
        set_opening_hours(resource, WEEKDAYS_8_TO_18)
    confirmed = book(admin, instrument, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    book(researcher, approved, rome(2026, 12, 3, 9), rome(2026, 12, 3, 10))
    trial = make_trial(researcher, pilot)
    replace_calendar_token(admin)

    assert policy_messages(browser) == []
    browser.get(f"{live_server}/login")
    log_in(browser, live_server, admin)
    pages = [
        "/",
        "/?q=spettrometro",
        "/organisations",
        "/organisations/laboratorio-alfa",
        f"/resources/{instrument.id}",
        f"/resources/{instrument.id}/week",
        f"/resources/{instrument.id}/book",
        f"/resources/{pilot.id}/trial",
        "/bookings",
        f"/bookings/{confirmed.id}",
        "/find",
        "/trials",
        f"/trials/{trial.id}",
        "/profile",
        "/manage/",
        "/manage/resources/new",
        f"/manage/resources/{instrument.id}/edit",
        f"/manage/resources/{instrument.id}/opening-hours",
        f"/manage/resources/{instrument.id}/blackouts",
        f"/manage/resources/{instrument.id}/qualifications",
        "/manage/approvals",
        "/manage/trials",
        "/manage/training",
        "/manage/statements",
        "/admin/",
        "/admin/users",
        f"/admin/users/{researcher.id}",
        "/admin/users/new",
        "/admin/organisations",
        f"/admin/organisations/{lab.id}",
        "/admin/organisations/new",
    ]
    violations, errors = {}, {}
    for path in [*pages, "/no-such-page"]:
        browser.get(live_server + path)
        heading = WebDriverWait(browser, WAIT_SECONDS).until(
            ec.presence_of_element_located((By.TAG_NAME, "h1"))
        )
        if heading.text in ERROR_HEADINGS and path in pages:
            errors[path] = heading.text
        messages = policy_messages(browser)
        if messages:
            violations[path] = messages
    assert errors == {}
    assert violations == {}


def test_the_apps_script_asks_before_replacing_either_calendar_secret(app, live_server, browser):
    user = make_user(name="Mario Rossi")
    replace_calendar_token(user)
    replace_resource_feed_token(user)
    log_in(browser, live_server, user)
    browser.get(f"{live_server}/profile")
    secrets = {
        field: browser.find_element(By.ID, field).get_attribute("value")
        for field in ("calendar-feed-url", "resource-feed-token")
    }
    buttons = browser.find_elements(By.CSS_SELECTOR, "#calendar form[data-confirm] [type=submit]")
    assert len(buttons) == 2
    for button in buttons:
        button.click()
        WebDriverWait(browser, WAIT_SECONDS).until(ec.alert_is_present()).dismiss()
    assert {
        field: browser.find_element(By.ID, field).get_attribute("value") for field in secrets
    } == (secrets)
    assert policy_messages(browser) == []
