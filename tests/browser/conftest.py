"""End-to-end fixtures: a headless Debian Chromium (the application on loopback is `live_server`).

The browser is Debian's Chromium (/usr/bin/chromium) with its matching driver
(/usr/bin/chromedriver), installed by `make browser`. Selenium is told never to download anything.
Without them the browser tests are skipped, except in CI (the CI variable set), where that fails.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=en-US",
    "--window-size=1280,1000",
)
WAIT_SECONDS = 30


def _missing_browser() -> str | None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return None
    return f"{' and '.join(missing)} not found: run `make browser` to install Debian's Chromium"


@pytest.fixture
def browser(tmp_path: Path, monkeypatch) -> Iterator[webdriver.Chrome]:
    problem = _missing_browser()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    # Selenium Manager would otherwise look for (and may download) a browser and a driver.
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    # The console (`browser.get_log("browser")`): where Content-Security-Policy violations show.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
