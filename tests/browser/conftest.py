"""End-to-end fixtures: the application served on loopback and a headless Debian Chromium.

The browser is Debian's Chromium (/usr/bin/chromium) with its matching driver
(/usr/bin/chromedriver), installed by `make browser`. Selenium is told never to download anything.
Without them the browser tests are skipped, except in CI (the CI variable set), where that fails.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from werkzeug.serving import make_server

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
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The application, over the test database of `app`, served on 127.0.0.1 at a free port;
    yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
