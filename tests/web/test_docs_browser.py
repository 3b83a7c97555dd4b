"""/docs in headless Chromium with the network cut off: the page renders from mailroom's own
assets, Authorize takes Ongage's three headers, and "Try it out" gets a 200 with real data.

Needs Debian's `chromium` and `chromium-driver` (scripts/install adds them as root); without
them the test is skipped, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from mailroom.accounts.schemas import NewAccount

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1280,2000",
    # The network is cut off: every host name fails to resolve, and everything that is not
    # loopback goes to a proxy on a closed port (Chromium never proxies loopback itself).
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
)


def _browser_or_skip() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if not missing:
        return
    reason = f"{', '.join(missing)} not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[Any]:
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def requests_by_host(driver: Any) -> dict[str, list[str]]:
    """Host -> how each http(s) request the page made ended: `ok`, or the reason it failed."""
    urls: dict[str, str] = {}
    ended: dict[str, str] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.responseReceived":
            ended[params["requestId"]] = "ok"
        elif message["method"] == "Network.loadingFailed":
            ended[params["requestId"]] = params.get("blockedReason") or params.get("errorText", "")
    hosts: dict[str, list[str]] = {}
    for request_id, url in urls.items():
        if urlsplit(url).scheme in ("http", "https"):
            hosts.setdefault(urlsplit(url).netloc, []).append(ended.get(request_id, "pending"))
    return hosts


def click(driver: Any, element: Any) -> None:
    # A script click: Swagger UI's sticky header can cover an element a real click would hit.
    driver.execute_script("arguments[0].click()", element)


def test_docs_render_offline_and_try_it_out_authenticates(
    browser: Any, live_url: str, account: NewAccount
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(f"{live_url}/docs")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
    assert browser.title == "mailroom: API"
    paths = {
        e.get_attribute("data-path") for e in browser.find_elements(By.CSS_SELECTOR, "[data-path]")
    }
    assert {
        "/api/lists",
        "/{list_id}/api/contacts",
        "/v3/reports/contact_reports/{contact_id}/activity_details",
    } <= paths

    click(browser, browser.find_element(By.CSS_SELECTOR, "button.authorize"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".modal-ux .auth-container"))
    secrets = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    filled = []
    for box in browser.find_elements(By.CSS_SELECTOR, ".modal-ux .auth-container"):
        name = box.find_element(By.CSS_SELECTOR, "h4").text.split()[0]
        if name in secrets:
            box.find_element(By.CSS_SELECTOR, "input").send_keys(secrets[name])
            click(browser, box.find_element(By.CSS_SELECTOR, "button.authorize"))
            filled.append(name)
    assert sorted(filled) == sorted(secrets)
    close = next(
        b for b in browser.find_elements(By.CSS_SELECTOR, ".modal-ux button") if b.text == "Close"
    )
    click(browser, close)

    operation = browser.find_element(
        By.CSS_SELECTOR, ".opblock-get .opblock-summary-path[data-path='/api/lists']"
    )
    click(browser, operation)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
    click(browser, browser.find_element(By.CSS_SELECTOR, ".try-out__btn"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "button.execute"))
    click(browser, browser.find_element(By.CSS_SELECTOR, "button.execute"))
    status = wait.until(
        lambda d: d.find_elements(
            By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status"
        )
    )
    assert status[0].text.strip() == "200"
    body = browser.find_element(
        By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_description"
    ).text
    assert '"name": "Acme list"' in body and f'"id": {account.default_list_id}' in body

    hosts = requests_by_host(browser)
    assert set(hosts) == {urlsplit(live_url).netloc}, hosts


def test_redoc_renders_offline(browser: Any, live_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_url}/redoc")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1"))
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h1, h2")]
    assert any(h.startswith("mailroom") for h in headings), headings
    assert any("list-prefixed" in h for h in headings), headings
    hosts = requests_by_host(browser)
    own = hosts.pop(urlsplit(live_url).netloc)
    assert own and set(own) == {"ok"}
    # ReDoc's footer logo points at its maker's CDN; the page's policy stops it in the browser.
    assert all(set(ends) == {"csp"} for ends in hosts.values()), hosts
