"""A researcher logs in, searches the catalogue and opens a resource, in a real browser."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from booking.demo import DEMO_PASSWORD, load_demo_network
from booking.services import clock
from tests.browser.conftest import WAIT_SECONDS

pytestmark = pytest.mark.browser

RESEARCHER = "researcher.lab@demo.example"
RESEARCHER_NAME = "Elena Esempio"
RESOURCE = "Servo-hydraulic fatigue testing machine (100 kN)"


def test_a_researcher_finds_a_resource_in_the_catalogue_and_opens_its_page(
    app, live_server, browser
):
    load_demo_network(clock.now())
    wait = WebDriverWait(browser, WAIT_SECONDS)

    browser.get(f"{live_server}/login")
    browser.find_element(By.ID, "email").send_keys(RESEARCHER)
    password = browser.find_element(By.ID, "password")
    password.send_keys(DEMO_PASSWORD)
    password.find_element(By.XPATH, "ancestor::form").find_element(
        By.CSS_SELECTOR, "[type=submit]"
    ).click()

    search = wait.until(ec.presence_of_element_located((By.ID, "catalogue-search")))
    assert RESEARCHER_NAME in browser.find_element(By.TAG_NAME, "header").text
    query = search.find_element(By.ID, "q")
    query.clear()
    query.send_keys("fatigue")
    query.submit()

    wait.until(ec.url_contains("q=fatigue"))
    link = wait.until(
        ec.element_to_be_clickable(
            (By.XPATH, f"//a[contains(@class, 'resource-link')][normalize-space()='{RESOURCE}']")
        )
    )
    link.click()

    wait.until(ec.url_contains("/resources/"))
    heading = wait.until(ec.presence_of_element_located((By.TAG_NAME, "h1")))
    # Compared after the wait, so that an error page shows its own heading in the failure.
    assert heading.text == RESOURCE
