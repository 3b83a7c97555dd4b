"""The console in a real browser (Debian's headless Chromium through Selenium): sign in, every page
on demo data, another account's ids refused, a post without its token refused, sign out.

Screenshots of each page land in `screenshots/console/` (ignored by git). Skipped when Chromium or
chromedriver is missing; `.ci/run` installs both.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailroom.background import load_jobs
from mailroom.context import Context
from mailroom.demo import service as demo
from mailroom.demo.service import DemoResult
from mailroom.jobs import worker

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "console"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
LAPTOP = (1366, 900)
PHONE = (390, 844)

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
)


@pytest.fixture
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={LAPTOP[0]},{LAPTOP[1]}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def shoot(driver: Any, name: str, size: tuple[int, int] = LAPTOP) -> None:
    """A full-page screenshot at the given width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(size[0], size[1])
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size[0], min(max(int(height) + 120, size[1]), 6000))
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(*LAPTOP)


def by(kind: str) -> Any:
    from selenium.webdriver.common.by import By

    return getattr(By, kind)


def wait_for_url(driver: Any, prefix: str) -> None:
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: d.current_url.startswith(prefix))


def follow(driver: Any, kind: str, value: str) -> None:
    """Click a link or button and wait until the next page has replaced this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait

    old = driver.find_element(by("TAG_NAME"), "html")
    driver.find_element(by(kind), value).click()

    def replaced(_: Any) -> bool:
        try:
            old.is_enabled()
        except WebDriverException:  # stale; or, mid-navigation, "node does not belong"
            return True
        return False

    WebDriverWait(driver, 10).until(replaced)


def heading(driver: Any) -> str:
    return str(driver.find_element(by("TAG_NAME"), "h1").text)


def browser_errors(driver: Any) -> list[str]:
    """Console errors the page logged (a chart that failed to draw, a refused asset)."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def run_jobs(ctx: Context) -> int:
    """Run every ready job, as the server's worker would (test apps run none of their own)."""
    load_jobs()
    ran = 0
    while worker.run_one(ctx, "browser-test") and ran < 100:
        ran += 1
    return ran


def test_console_end_to_end(
    browser: Any,
    live_url: str,
    ctx: Context,
    demo_account: DemoResult,
    demo_automation: dict[str, Any],
    stranger: dict[str, Any],
) -> None:
    d = browser
    d.get(f"{live_url}/")
    assert d.current_url.startswith(f"{live_url}/console/login")
    shoot(d, "01-login")

    # A wrong password keeps the visitor out and says so.
    d.find_element(by("ID"), "username").send_keys(demo.USERNAME)
    d.find_element(by("ID"), "password").send_keys("not-the-password")
    follow(d, "CSS_SELECTOR", "form button[type=submit]")
    assert "wrong" in d.find_element(by("CSS_SELECTOR"), "[role=alert]").text
    d.get_log("browser")  # drains the log: that 401 was expected

    d.find_element(by("ID"), "username").clear()
    d.find_element(by("ID"), "username").send_keys(demo.USERNAME)
    d.find_element(by("ID"), "password").send_keys(demo.PASSWORD)
    follow(d, "CSS_SELECTOR", "form button[type=submit]")
    assert d.current_url == f"{live_url}/console"
    assert heading(d) == "Overview"
    cookie = d.get_cookie("mailroom_console")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # The overview: counts per list, a drawn chart, the latest mailings.
    assert d.find_elements(by("CSS_SELECTOR"), "#daily canvas"), "the chart was not drawn"
    assert "Newsletter" in d.page_source
    rows = d.find_elements(by("CSS_SELECTOR"), "#mailings-title ~ div table tbody tr")
    assert len(rows) == 5
    shoot(d, "02-overview-30-days")
    follow(d, "LINK_TEXT", "Last 365 days")
    assert d.find_elements(by("CSS_SELECTOR"), "#daily canvas")
    shoot(d, "03-overview-365-days")
    shoot(d, "03-overview-phone", PHONE)

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    from selenium.webdriver.common.keys import Keys

    d.find_element(by("TAG_NAME"), "body").send_keys(Keys.TAB)
    assert d.switch_to.active_element.text == "Skip to content"

    # Lists and contacts: a list, a prefix search, a contact with its timeline.
    follow(d, "LINK_TEXT", "Lists & contacts")
    assert heading(d) == "Lists and contacts"
    shoot(d, "04-lists")
    follow(d, "LINK_TEXT", "Newsletter")
    first = d.find_element(by("CSS_SELECTOR"), "tbody th a").text
    d.find_element(by("ID"), "q").send_keys(first[:3])
    follow(d, "CSS_SELECTOR", "form[role=search] button")
    emails = [a.text for a in d.find_elements(by("CSS_SELECTOR"), "tbody th a")]
    assert emails and all(e.startswith(first[:3]) for e in emails)
    shoot(d, "05-list-search")
    follow(d, "LINK_TEXT", emails[0])
    assert heading(d) == emails[0]
    assert d.find_elements(by("CSS_SELECTOR"), "#activity-title ~ div tbody tr")
    shoot(d, "06-contact")
    shoot(d, "06-contact-phone", PHONE)

    # Mailings: the list and one mailing with its funnel, curve and links.
    follow(d, "LINK_TEXT", "Mailings")
    shoot(d, "07-mailings")
    follow(d, "PARTIAL_LINK_TEXT", "Newsletter #")
    assert d.find_elements(by("CSS_SELECTOR"), "table.funnel meter")
    assert d.find_elements(by("CSS_SELECTOR"), "#hours canvas")
    shoot(d, "08-mailing")

    # Segments and reports: a report of the segment over December, completed, its CSV.
    follow(d, "LINK_TEXT", "Segments & reports")
    assert "Readers in the United Kingdom" in d.page_source
    d.find_element(by("ID"), "title").send_keys("UK readers in December")
    segment = d.find_element(by("ID"), "segment")
    option = f"option[value='{demo_automation['segment_id']}']"
    segment.find_element(by("CSS_SELECTOR"), option).click()
    for name, value in (("from", "2025-12-01"), ("to", "2025-12-31")):
        d.execute_script("arguments[0].value = arguments[1]", d.find_element(by("ID"), name), value)
    follow(d, "CSS_SELECTOR", "form.grid-form button[type=submit]")
    shoot(d, "09-reports-created")
    row = d.find_element(by("XPATH"), "//tr[th[text()='UK readers in December']]")
    assert "Pending" in row.text
    assert run_jobs(ctx) >= 1
    d.refresh()
    row = d.find_element(by("XPATH"), "//tr[th[text()='UK readers in December']]")
    assert "Completed" in row.text
    shoot(d, "09-reports")
    href = row.find_element(by("PARTIAL_LINK_TEXT"), "CSV").get_attribute("href")
    csv_text = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done)",
        href,
    )
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("email,ocx_status,sent,opens")
    assert len(lines) > 1 and all("@" in line.split(",")[0] for line in lines[1:])

    # Automation: the event, its preview, switched off after the confirmation.
    follow(d, "LINK_TEXT", "Automation")
    assert "Birthday greetings" in d.page_source
    shoot(d, "10-automation")
    follow(d, "LINK_TEXT", "Birthday greetings")
    assert "being computed in the background" in d.page_source
    assert run_jobs(ctx) >= 1
    d.refresh()
    assert "Preview, next 7 days" in d.page_source and "Computed" in d.page_source
    shoot(d, "11-automation-event")
    follow(d, "PARTIAL_LINK_TEXT", "Switch off")
    assert heading(d).startswith("Switch off")
    shoot(d, "12-automation-confirm")
    follow(d, "CSS_SELECTOR", "main form button[type=submit]")
    shoot(d, "13-automation-switched-off")
    section = d.find_element(by("XPATH"), "//section[h2/a[text()='Birthday greetings']]")
    assert "Off" in section.text and "Switch on" in section.text
    errors = browser_errors(d)
    assert errors == [], errors

    # Another account's contact, list and report do not open by URL.
    for path in (
        f"/console/contacts/{stranger['uid']}",
        f"/console/lists/{stranger['list_id']}",
        f"/console/reports/{stranger['report_id']}.csv",
        f"/console/automation/{stranger['event_id']}",
    ):
        d.get(live_url + path)
        assert heading(d) == "Not found", path
        assert "secret@stranger.example" not in d.page_source

    # A post without the form's token is refused, and the session stays signed in.
    status = d.execute_script(
        "return fetch('/console/logout', {method: 'POST', body: new URLSearchParams({})})"
        ".then(r => r.status)"
    )
    assert status == 403
    d.get(f"{live_url}/console/lists")
    assert heading(d) == "Lists and contacts"

    # Signing out ends the session: its pages lead back to the login form.
    follow(d, "CSS_SELECTOR", "form.signout button")
    wait_for_url(d, f"{live_url}/console/login")
    d.get(f"{live_url}/console/lists")
    assert d.current_url.startswith(f"{live_url}/console/login")
