"""Tracking links without Python (`mailroom links make`, `POST /mailroom/v1/links`), mailing ids."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from mailroom.accounts.schemas import NewAccount
from mailroom.cli.main import cli
from mailroom.context import Context
from mailroom.mailings import service as mailings_service


@pytest.fixture
def run(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("MAILROOM_SECRET_KEY", ctx.settings.secret_key)
    monkeypatch.setenv("MAILROOM_PUBLIC_URL", ctx.settings.public_url)
    return lambda *args: CliRunner().invoke(cli, [*args])


@pytest.fixture
def mailing(ctx: Context, account: NewAccount) -> int:
    with ctx.db.write() as conn:
        return mailings_service.create_mailing(
            conn, ctx.clock, account.account_id, "Spring sale", list_id=account.default_list_id
        )


@pytest.fixture
def contact_id(client: Any, ongage_headers: dict[str, str]) -> str:
    made = client.post("/api/v2/contacts", json={"email": "al@example.com"}, headers=ongage_headers)
    found = client.get("/api/contacts/by_email/al@example.com", headers=ongage_headers)
    assert made.status_code == 200 and found.status_code == 200
    return str(found.json()["payload"]["id"])


def test_mailings_list_shows_ids_and_names(run: Any, account: NewAccount, mailing: int) -> None:
    result = run("mailings", "list")
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split() == ["id", "name", "list_id", "sent"]
    assert row.split()[:4] == [str(mailing), "Spring", "sale", str(account.default_list_id)]


def test_mailings_list_says_when_there_are_none(run: Any, account: NewAccount) -> None:
    result = run("mailings", "list")
    assert result.exit_code == 0 and "no mailings yet" in result.output


def test_links_make_prints_urls_that_work(
    run: Any, client: Any, account: NewAccount, mailing: int, contact_id: str
) -> None:
    result = run(
        "links", "make", "--contact", contact_id, "--mailing", str(mailing),
        "--url", "https://shop.example/p?a=1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert made["open_url"].startswith("http://testserver/t/o/")
    assert made["list_unsubscribe"] == f"<{made['unsubscribe_url']}>"
    click = client.get(made["click_url"], follow_redirects=False)
    assert click.status_code == 302 and click.headers["location"] == "https://shop.example/p?a=1"
    page = client.get(made["unsubscribe_url"])
    assert page.status_code == 200 and "Unsubscribe" in page.text

    no_url = json.loads(
        run("links", "make", "--contact", contact_id, "--mailing", str(mailing)).output
    )
    assert no_url["click_url"] is None
    unknown = run("links", "make", "--contact", "f" * 24, "--mailing", str(mailing))
    assert unknown.exit_code == 1 and "not found" in unknown.output
    no_mailing = run("links", "make", "--contact", contact_id, "--mailing", "999999")
    assert no_mailing.exit_code == 1 and "Mailing 999999 not found" in no_mailing.output
    huge = run("links", "make", "--contact", contact_id, "--mailing", "9" * 23)
    assert huge.exit_code == 2 and "not in the range" in huge.output  # a usage error, no trace
    assert huge.exception is None or isinstance(huge.exception, SystemExit)
    bad_url = run(
        "links", "make", "--contact", contact_id, "--mailing", str(mailing), "--url", "ftp://x"
    )
    assert bad_url.exit_code == 1 and "http" in bad_url.output


def test_links_route_needs_the_token_and_answers_for_own_contacts_only(
    client: Any,
    account: NewAccount,
    other_account: NewAccount,
    bearer_headers: dict[str, str],
    mailing: int,
    contact_id: str,
) -> None:
    body = {"contact_id": contact_id, "mailing_id": mailing, "url": "https://a.example/x"}
    made = client.post("/mailroom/v1/links", json=body, headers=bearer_headers)
    assert made.status_code == 200, made.text
    urls = made.json()
    assert set(urls) == {
        "contact_id", "mailing_id", "open_url", "unsubscribe_url", "list_unsubscribe",
        "list_unsubscribe_post", "click_url",
    }  # fmt: skip
    assert urls["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert client.get(urls["click_url"], follow_redirects=False).headers["location"] == (
        "https://a.example/x"
    )
    assert client.post("/mailroom/v1/links", json=body).status_code == 401
    foreign = {"Authorization": f"Bearer {other_account.token}"}
    assert client.post("/mailroom/v1/links", json=body, headers=foreign).status_code == 404
    missing = client.post("/mailroom/v1/links", json={"mailing_id": 1}, headers=bearer_headers)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "bad_request"
    bad = client.post(
        "/mailroom/v1/links", json={**body, "url": "javascript:x"}, headers=bearer_headers
    )
    assert bad.status_code == 412 and bad.json()["error"]["errors"][0]["field"] == "url"


def test_links_route_refuses_a_nul_character_on_every_backend(
    client: Any, bearer_headers: dict[str, str], mailing: int, contact_id: str
) -> None:
    for body in (
        {"contact_id": contact_id[:5] + "\x00", "mailing_id": mailing},
        {"contact_id": contact_id, "mailing_id": mailing, "url": "https://a.example/\x00"},
    ):
        response = client.post("/mailroom/v1/links", json=body, headers=bearer_headers)
        assert response.status_code == 400, response.text
        assert "NUL" in response.json()["error"]["message"]
