"""Preview over HTTP and the CLI: who would get which message when, nothing claimed or sent;
and the account's time zone set through the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from automation_support import BIRTHDAY, RECURRING, example, seed_documented_ids
from click.testing import CliRunner
from sqlalchemy import func, select

from mailroom.cli.main import cli
from mailroom.context import Context
from mailroom.db.tables import sends
from smtp_sink import add_people


@pytest.fixture
def runner(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    return CliRunner()


def _event(client: Any, headers: dict[str, str], body: dict[str, Any]) -> str:
    made = client.post("/api/events", json=body, headers=headers)
    assert made.status_code == 200, made.text
    return str(made.json()["payload"]["id"])


def test_preview_lists_who_gets_what_when_without_claiming(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str]
) -> None:
    seed_documented_ids(ctx, account)
    people = add_people(
        ctx,
        account,
        ["a@x.test", "b@x.test"],
        [{"birth_date": "1990-03-17"}, {"birth_date": "1980-12-01"}],
    )
    event_id = _event(client, ongage_headers, BIRTHDAY)
    answer = client.get(
        f"/api/events/{event_id}/preview?from=2026-03-01&to=2026-12-01", headers=ongage_headers
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["payload"]
    assert [(i["email"], i["date"], i["trigger"], i["email_message_id"]) for i in items] == [
        ("a@x.test", "2026-03-17T10:30:00Z", 1, "2381"),
        ("b@x.test", "2026-12-01T10:30:00Z", 1, "2381"),
    ]
    assert items[0]["contact_id"] == people[0].uid
    by_seconds = client.get(
        f"/api/events/{event_id}/preview?from=1773705600&to=1773791999", headers=ongage_headers
    ).json()["payload"]  # 2026-03-17, both ends as Unix seconds
    assert [i["email"] for i in by_seconds] == ["a@x.test"]
    with ctx.db.read() as conn:
        assert conn.scalar(select(func.count()).select_from(sends)) == 0
    chained = {
        "based_on": "trigger",
        "based_on_trigger": 1,
        "email_messages": [2381],
        "days_diff": 7,
        "operator": "after",
        "email_operator": "not_opened",
        "schedule_hour": 19,
        "schedule_minute": 45,
    }
    two = _event(
        client, ongage_headers, example(BIRTHDAY, triggers=[BIRTHDAY["triggers"][0], chained])
    )
    steps = client.get(
        f"/api/events/{two}/preview?from=2026-03-01&to=2026-03-31", headers=ongage_headers
    ).json()["payload"]
    assert [(i["date"], i["trigger"]) for i in steps] == [
        ("2026-03-17T10:30:00Z", 1),
        ("2026-03-24T19:45:00Z", 2),
    ]
    for query, field in (
        ("from=2026-13-01&to=2026-12-01", "from"),
        ("from=2026-03-01", "to"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("from=9999-12-30&to=9999-12-31", "to"),
        ("from=253402214400&to=253402300799", "to"),
    ):
        bad = client.get(f"/api/events/{event_id}/preview?{query}", headers=ongage_headers)
        assert bad.status_code == 412
        assert field in {e["field"] for e in bad.json()["payload"]["errors"]}
    missing = client.get(f"/api/events/{event_id}/preview?from=2026-03-01", headers=ongage_headers)
    assert missing.json()["payload"]["errors"] == [{"field": "to", "message": "to is required"}]


def test_cli_preview_and_time_zone(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], runner: CliRunner
) -> None:
    seed_documented_ids(ctx, account)
    add_people(ctx, account, ["a@x.test"])
    changed = runner.invoke(cli, ["accounts", "time-zone", account.account_code, "Asia/Tokyo"])
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.output)["time_zone"] == "Asia/Tokyo"
    bad = runner.invoke(cli, ["accounts", "time-zone", account.account_code, "Mars/Olympus"])
    assert bad.exit_code != 0 and "unknown time zone" in bad.output
    event_id = _event(
        client, ongage_headers, example(RECURRING, start_date="2026-02-01", end_date="2026-02-02")
    )
    result = runner.invoke(
        cli,
        [
            "events",
            "preview",
            event_id,
            "--account",
            account.account_code,
            "--from",
            "2026-01-30",
            "--to",
            "2026-02-10",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # 19:45 in Tokyo is 10:45 UTC
    assert [(i["email"], i["date"]) for i in lines] == [
        ("a@x.test", "2026-02-01T10:45:00Z"),
        ("a@x.test", "2026-02-02T10:45:00Z"),
    ]
