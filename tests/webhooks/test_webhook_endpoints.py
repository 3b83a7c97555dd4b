"""Webhook endpoints: creation rules, the CLI command, unknown tokens and provider mismatch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from webhook_support import make_endpoint, stored

from mailroom.accounts.schemas import NewAccount
from mailroom.cli.main import cli
from mailroom.context import Context
from mailroom.errors import NotFound, ValidationFailed
from mailroom.webhooks import service

PUBLIC_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcw"
    "HBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="
)


@pytest.mark.parametrize(
    ("provider", "secret", "message"),
    [
        ("smtp", "x", "provider must be one of"),
        ("sendgrid", None, "a secret is required"),
        ("sendgrid", "not-a-key", "verification key"),
        ("mailgun", "  ", "a secret is required"),
        ("postmark", "no-colon", "user:password"),
        ("ses", "topic-without-arn", "topic ARN"),
    ],
)
def test_creation_checks_the_secret(
    ctx: Context, account: NewAccount, provider: str, secret: str | None, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message), ctx.db.write() as conn:
        service.create_endpoint(conn, ctx.clock, account.account_id, provider, secret=secret)


def test_list_must_belong_to_the_account(
    ctx: Context, account: NewAccount, other_account: NewAccount
) -> None:
    with pytest.raises(NotFound), ctx.db.write() as conn:
        service.create_endpoint(
            conn, ctx.clock, account.account_id, "mailgun", secret="k",
            list_id=other_account.default_list_id,
        )  # fmt: skip


def test_tokens_are_unguessable_and_distinct(ctx: Context, account: NewAccount) -> None:
    paths = {make_endpoint(ctx, account, "sendgrid", PUBLIC_KEY) for _ in range(3)}
    assert len(paths) == 3
    assert all(len(p.rsplit("/", 1)[1]) >= 32 for p in paths)


def test_unknown_token_and_wrong_provider_are_404(
    ctx: Context, client: Any, account: NewAccount
) -> None:
    path = make_endpoint(ctx, account, "mailgun", "key")
    token = path.rsplit("/", 1)[1]
    for url in (
        "/mailroom/webhooks/mailgun/not-a-token",
        f"/mailroom/webhooks/postmark/{token}",
        f"/mailroom/webhooks/nonsense/{token}",
    ):
        response = client.post(url, content=b"{}")
        assert response.status_code == 404, url
        assert response.json()["error"]["message"] == "Unknown webhook endpoint"
    assert client.get(path).status_code == 405
    assert stored(ctx) == []


def test_cli_creates_an_endpoint_and_prints_its_url(
    ctx: Context, client: Any, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("MAILROOM_PUBLIC_URL", "https://mail.example.com/")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["webhooks", "create", "--account", account.account_code, "--provider", "postmark",
         "--secret", "hook:pw", "--list", str(account.default_list_id)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert made["provider"] == "postmark" and made["list_id"] == account.default_list_id
    assert made["url"] == f"https://mail.example.com/mailroom/webhooks/postmark/{made['token']}"
    # The printed URL works with the configured credentials, and only with them.
    path = made["url"].removeprefix("https://mail.example.com")
    record = {"RecordType": "Open", "MessageID": "m", "Recipient": "nobody@example.com"}
    assert client.post(path, content=json.dumps(record), auth=("hook", "pw")).status_code == 200
    assert client.post(path, content=json.dumps(record), auth=("hook", "x")).status_code == 401

    bad = runner.invoke(cli, ["webhooks", "create", "--account", "nope", "--provider", "ses"])
    assert bad.exit_code != 0 and "No account with code" in bad.output
    bad = runner.invoke(
        cli, ["webhooks", "create", "--account", account.account_code, "--provider", "sendgrid"]
    )
    assert bad.exit_code != 0 and "a secret is required" in bad.output
