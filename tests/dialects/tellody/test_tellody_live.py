"""Against a live `mailroom serve` process: Tellody's documented Python flow, unchanged but for
the host, and one session shared by two processes (the server and this test's app)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient

from mailroom.accounts.schemas import NewAccount
from mailroom.kit.clock import FrozenClock

SRC = Path(__file__).resolve().parents[3] / "src"

# Tellody's documented Python flow (API introduction, login and Contacts Report pages), with the
# host as a parameter. The report is sent twice: as the documentation's sample writes it
# (`post(url, header, data)`, which sends no parameters and no XSRF header) and as it means it.
TELLODY_SCRIPT = r"""
import json
import sys

import requests

host, username, password = sys.argv[1:4]  # host: "https://app.tellody.com" in the docs
my_session = requests.Session()

# Retrieving the XSRF Token needed for Session
pingResponse = my_session.get(host + "/CampaignCloud/RememberMeController/ping")
# Import the X-XSRF-Token returned from RememberMeController/ping into the request headers
xsrfToken = pingResponse.headers.get("X-XSRF-TOKEN")
# HTTP request header
header = {"Content-Type": "application/json", "X-XSRF-TOKEN": xsrfToken}
login_data = {"username": username, "password": password, "remember-me": False}
login = my_session.post(host + "/CampaignCloud/login", headers=header, data=login_data)
print(json.dumps({"login": login.json()}))

data = {"from": 1437426000000, "to": 1437512399999, "unit": "hour", "window": "day", "dow": 0}
sample = my_session.post(host + "/CampaignCloud/Report/ContactChart", header, data)
print(json.dumps({"sample_status": sample.status_code, "sample": sample.json()}))
response = my_session.post(host + "/CampaignCloud/Report/ContactChart", headers=header, json=data)
print(json.dumps({"report_status": response.status_code, "report": response.json()}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    """`python -m mailroom serve` on the test database, in its own process."""
    port = _free_port()
    env = {**os.environ, "MAILROOM_DATABASE_URL": db_url, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailroom", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                with urllib.request.urlopen(f"{url}/mailroom/health", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def real_time(clock: FrozenClock) -> FrozenClock:
    """The server process reads the wall clock: this test's app must agree with it."""
    clock.set(time.time_ns() // 1_000_000)
    return clock


def test_tellodys_documented_script_runs_with_only_the_host_changed(
    server: str, account: NewAccount, tmp_path: Path
) -> None:
    script = tmp_path / "tellody_contacts_report.py"
    script.write_text(TELLODY_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), server, account.username, account.password],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["login"] == {"message": "You have logged in with success.", "status": "success"}
    # The documentation's own report call sends its token in a form body and no parameters:
    # mailroom accepts the token from there and says what is missing.
    assert lines[1]["sample_status"] == 400
    assert "no report parameters" in lines[1]["sample"]["message"]
    assert lines[2]["report_status"] == 200
    report = lines[2]["report"]
    assert sorted(report) == ["contactsAdded", "contactsBlocked", "contactsServed", "groupsAdded"]
    assert all(values == [0] * 24 for values in report.values())  # July 2015: nothing yet


def test_a_session_made_in_one_process_is_used_in_another(
    server: str, app: Any, real_time: FrozenClock, account: NewAccount
) -> None:
    remote = requests.Session()
    token = remote.get(f"{server}/CampaignCloud/RememberMeController/ping").headers["X-XSRF-TOKEN"]
    signed = remote.post(
        f"{server}/CampaignCloud/login",
        data={"username": account.username, "password": account.password},
        headers={"X-XSRF-TOKEN": token},
    )
    assert signed.status_code == 200
    cookie = remote.cookies.get("JSESSIONID")
    assert cookie

    local = TestClient(app)  # this process: another app, another pool, the same database
    local.cookies.set("JSESSIONID", cookie, path="/CampaignCloud")
    now = real_time.now_ms()
    today = now - now % 86_400_000  # a UTC day: the account was made today
    window = {"from": today, "to": today + 86_400_000 - 1, "unit": "hour", "window": "day"}
    here = local.post(
        "/CampaignCloud/Report/ContactChart", json=window, headers={"X-XSRF-TOKEN": token}
    )
    assert here.status_code == 200
    assert sum(here.json()["groupsAdded"]) == 1  # the account's default list
    assert local.get("/CampaignCloud/UserInfo").json()["username"] == account.username

    # Signed out here, the session is gone there too.
    assert local.post("/CampaignCloud/logout", headers={"X-XSRF-TOKEN": token}).status_code == 200
    there = remote.post(
        f"{server}/CampaignCloud/Report/ContactChart", json=window, headers={"X-XSRF-TOKEN": token}
    )
    assert there.status_code == 401
