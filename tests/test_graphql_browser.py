"""The console page at GET /graphql, driven by headless Chromium: type a key and a query, run, read the result."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graphql_support import LiveServer, run_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(DRIVER).exists()),
    reason="headless browser test skipped: Debian packages `chromium` and `chromium-driver` are not installed "
    "(apt-get install -y chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_server(tmp_path_factory.mktemp("gql_browser"))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="tkgmem-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _run(driver: Any, query: str, token: str) -> tuple[dict[str, Any], str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.ID, "token")
    box.clear()
    box.send_keys(token)
    editor = driver.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys(query)
    driver.find_element(By.ID, "run").click()
    result = driver.find_element(By.ID, "result")
    WebDriverWait(driver, 20).until(lambda d: result.get_attribute("data-state") == "done")
    return json.loads(result.text), driver.find_element(By.ID, "status").text


def test_console_runs_a_query_in_headless_chromium(live: LiveServer, browser: Any) -> None:
    browser.get(f"{live.url}/graphql")
    assert "tkgmem GraphQL" in browser.title
    query = ('{ entity(name: "Alice", basis: {validAt: "2021-08-01"}) { name '
             'facts(where: {relation: {eq: "lives_in"}}) { nodes { objectName } } } }')
    body, status = _run(browser, query, live.tokens["acme-read"])
    assert "HTTP 200" in status
    assert body["data"]["entity"]["facts"]["nodes"] == [{"objectName": "Munich"}]
    # Without a valid key the page shows the 401 error and no data.
    body, status = _run(browser, "{ me { tenant } }", "tkg_wrong_key")
    assert "HTTP 401" in status and body["data"] is None
