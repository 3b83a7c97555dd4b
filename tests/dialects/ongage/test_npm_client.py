"""The unchanged npm package `ongage@1.1.7` against a real mailroom server.

The package only builds fetch requests for https://api.ongage.net; a small node driver (below)
builds each request with the package, swaps the host for the live test server and sends it
with node's own fetch. Skipped only when `node` or the installed package is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.lists import service as lists_service
from mailroom.mailings import service as mailings_service

PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "node" / "node_modules" / "ongage"
ONGAGE = "https://api.ongage.net"

DRIVER = r"""
const readline = require('readline');
const { ContactsApi, ListsApi } = require(process.argv[2]);
const [base, user, pass, code] = process.argv.slice(3);
const apis = {
  contacts: new ContactsApi(user, pass, code),
  lists: new ListsApi(user, pass, code),
};
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const { api, method, args } = JSON.parse(line);
  const req = apis[api][method](...args);
  const { url, ...init } = req;
  let out;
  try {
    const res = await fetch(url.replace('https://api.ongage.net', base), init);
    const text = await res.text();
    let body;
    try { body = JSON.parse(text); } catch (e) { body = text; }
    out = { url, method: req.method, headers: req.headers, status: res.status, body };
  } catch (e) {
    out = { url, error: String(e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
"""


class Npm:
    """One node process; `call` sends one client call and returns what came back."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    def call(self, api: str, method: str, *args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"api": api, "method": method, "args": list(args)}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "node driver exited"
        result: dict[str, Any] = json.loads(line)
        assert "error" not in result, result
        return result


@pytest.fixture
def npm(live_url: str, account: NewAccount, tmp_path: Path) -> Iterator[Npm]:
    node = shutil.which("node")
    if node is None or not (PACKAGE / "dist" / "node.js").exists():
        pytest.skip("node or the npm package ongage is not installed (scripts/install)")
    driver = tmp_path / "driver.js"
    driver.write_text(DRIVER)
    proc = subprocess.Popen(
        [
            node,
            str(driver),
            str(PACKAGE),
            live_url,
            account.username,
            account.password,
            account.account_code,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield Npm(proc)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)


def test_package_builds_what_we_serve(npm: Npm, account: NewAccount) -> None:
    got = npm.call("contacts", "getByEmail", "x+y@z.com", account.default_list_id)
    assert got["url"] == f"{ONGAGE}/{account.default_list_id}/api/contacts/by_email/x%2By%40z.com"
    assert set(got["headers"]) == {"X_USERNAME", "X_PASSWORD", "X_ACCOUNT_CODE"}
    assert got["status"] == 404
    assert got["body"]["payload"]["message"] == "Email not found"
    update = npm.call("contacts", "update", {"email": "x@y.com"})
    assert (update["method"], update["url"]) == ("PUT", f"{ONGAGE}/api/v2/contacts")


def test_contacts_lifecycle_through_the_npm_client(
    npm: Npm, account: NewAccount, ctx: Context
) -> None:
    with ctx.db.write() as conn:
        second = lists_service.create_list(conn, ctx.clock, account.account_id, {"name": "Npm"})[
            "id"
        ]
        mailing = mailings_service.create_mailing(conn, ctx.clock, account.account_id, "Npm")

    created = npm.call(
        "contacts",
        "create",
        [
            {"email": "jo+npm@example.com", "overwrite": True, "fields": {}},
            {"email": "al@example.com"},
        ],
        second,
    )
    assert created["status"] == 200, created
    payload = created["body"]["payload"]
    assert payload["created"] == 2
    uid = payload["created_emails"]["jo+npm@example.com"]

    by_email = npm.call("contacts", "getByEmail", "jo+npm@example.com", second)
    assert by_email["status"] == 200
    assert by_email["body"]["payload"]["id"] == uid
    by_id = npm.call("contacts", "getById", uid, second)
    assert by_id["body"]["payload"]["email"] == "jo+npm@example.com"

    updated = npm.call("contacts", "update", {"email": "al@example.com"}, second)
    assert updated["status"] == 200 and updated["body"]["payload"]["updated"] == 1

    status = npm.call(
        "contacts",
        "changeStatus",
        {"emails": ["al@example.com"], "change_to": "unsubscribe", "ocx_child_id": mailing},
        second,
    )
    assert status["status"] == 200 and status["body"]["payload"]["success"] == 1
    al = npm.call("contacts", "getByEmail", "al@example.com", second)["body"]["payload"]
    assert al["ocx_status"] == "Unsubscribed"

    moved = npm.call(
        "contacts",
        "changeEmail",
        {"email": "jo+npm@example.com", "new_email": "jo@example.org"},
        second,
    )
    assert moved["status"] == 200
    assert moved["body"]["payload"]["success_emails"] == {"jo+npm@example.com": uid}

    lists = npm.call("contacts", "getListsByEmail", "jo@example.org")
    assert lists["status"] == 200
    assert [(c["list_id"], c["id"]) for c in lists["body"]["payload"]] == [(second, uid)]

    deleted = npm.call("contacts", "delete", {"contact_id": uid}, second)
    assert deleted["status"] == 200 and deleted["body"]["payload"]["deleted"] == 1
    gone = npm.call("contacts", "getById", uid, second)
    assert gone["status"] == 404 and gone["body"]["metadata"]["error"] is True

    missing_ids = npm.call("contacts", "delete", {}, second)
    assert missing_ids["status"] == 400


def test_lists_api_of_the_npm_client(npm: Npm, account: NewAccount) -> None:
    one = npm.call("lists", "get", account.default_list_id)
    assert one["url"] == f"{ONGAGE}/api/lists/{account.default_list_id}"
    assert one["status"] == 200, one
    assert one["body"]["payload"]["id"] == account.default_list_id
    many = npm.call("lists", "getAll", {"sort": "id", "order": "ASC", "offset": 0, "limit": 10})
    assert many["status"] == 200, many
    assert account.default_list_id in [item["id"] for item in many["body"]["payload"]]
    assert many["body"]["metadata"]["total"] >= 1
