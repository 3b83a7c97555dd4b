"""`mailroom import events FILE` (CSV, NDJSON) and `mailroom activity prune`, via CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from activity_seed import mailing_fixture, people_fixture  # noqa: F401 (fixtures)
from click.testing import CliRunner
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service
from mailroom.activity.types import Source
from mailroom.cli.main import cli
from mailroom.context import Context
from mailroom.db.tables import contact_totals, contacts, events
from mailroom.kit.clock import FrozenClock

NOW = 1_767_225_600_000


@pytest.fixture
def runner(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    return CliRunner()


def stored(ctx: Context) -> list[Any]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(events).order_by(events.c.id)))


def test_csv_import_reports_counts_and_writes_errors(
    runner: CliRunner,
    ctx: Context,
    account: NewAccount,
    people: list[Any],
    mailing: int,
    tmp_path: Path,
) -> None:
    source = tmp_path / "history.csv"
    source.write_text(
        "type,contact_id,email,at,mailing_id,idempotency_key,bounce_type\n"
        f"em_sends,{people[0].uid},,2025-06-01T10:00:00Z,{mailing},s1,\n"
        f"em_opens,,{people[1].email},{NOW - 5000},{mailing},o1,\n"
        f"em_opens,,{people[1].email},{NOW - 5000},{mailing},o1,\n"
        f"em_bounces,{people[2].uid},,{(NOW - 9000) // 1000},,b1,hard\n"
        "em_bogus,x,,,,,\n"
        f"em_opens,{people[0].uid},,,99999,,\n"
        "\n"
        f'em_opens,{people[0].uid},,"2025-06-02T10:00:00Z"\n'
    )
    errors = tmp_path / "errors.ndjson"
    result = runner.invoke(
        cli,
        [
            "import",
            "events",
            str(source),
            "--account",
            account.account_code,
            "--errors",
            str(errors),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary == {"accepted": 3, "duplicates": 1, "rejected": 3}
    rows = [json.loads(line) for line in errors.read_text().splitlines()]
    assert rows == [
        {"index": 4, "line": 6, "reason": "unknown type 'em_bogus'"},
        {"index": 5, "line": 7, "reason": "unknown mailing"},
        {"index": 6, "line": 9, "reason": "row has 4 cells, the header 7"},
    ]
    assert "line 6: unknown type 'em_bogus'" in result.stderr
    events_ = stored(ctx)
    assert {e.source for e in events_} == {8}  # Source.IMPORT
    with ctx.db.read() as conn:
        status = conn.scalar(select(contacts.c.status).where(contacts.c.id == people[2].id))
    assert status == "bounced"

    # a re-run stores nothing twice
    again = runner.invoke(cli, ["import", "events", str(source), "--account", account.account_code])
    assert json.loads(again.stdout.strip().splitlines()[-1]) == {
        "accepted": 0,
        "duplicates": 4,
        "rejected": 3,
    }


def test_ndjson_import_in_small_batches_with_list_option(
    runner: CliRunner, ctx: Context, account: NewAccount, people: list[Any], tmp_path: Path
) -> None:
    source = tmp_path / "history.jsonl"
    lines = [
        orjson.dumps({"type": "em_opens", "email": p.email, "at": NOW - 1000 * i})
        for i, p in enumerate(people)
    ]
    lines.insert(2, b"{broken")
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = runner.invoke(
        cli,
        [
            "import",
            "events",
            str(source),
            "--account",
            account.account_code,
            "--list",
            str(account.default_list_id),
            "--batch",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "accepted": 5,
        "duplicates": 0,
        "rejected": 1,
    }
    assert "line 3: invalid JSON" in result.stderr
    with ctx.db.read() as conn:
        opens = [service.contact_totals(conn, account.account_id, p.id)["opens"] for p in people]
    assert opens == [1] * 5


def test_import_usage_errors(runner: CliRunner, account: NewAccount, tmp_path: Path) -> None:
    source = tmp_path / "history.txt"
    source.write_text("type\n")
    unknown = runner.invoke(cli, ["import", "events", str(source), "--account", "nope"])
    assert unknown.exit_code == 2 and "No account with code 'nope'" in unknown.output
    no_format = runner.invoke(
        cli, ["import", "events", str(source), "--account", account.account_code]
    )
    assert no_format.exit_code == 2 and "--format" in no_format.output


def test_import_refuses_a_list_the_account_lacks(
    runner: CliRunner, account: NewAccount, other_account: NewAccount, tmp_path: Path
) -> None:
    source = tmp_path / "history.csv"
    source.write_text("type,email\nem_sends,a@x.test\n")
    for list_id in (other_account.default_list_id, 999_999):
        args = ["import", "events", str(source), "--account", account.account_code]
        refused = runner.invoke(cli, [*args, "--list", str(list_id)])
        assert refused.exit_code == 2 and "List not found" in refused.output, refused.output


def test_prune_command(
    runner: CliRunner, ctx: Context, clock: FrozenClock, account: NewAccount, people: list[Any]
) -> None:
    import time

    now_ms = time.time_ns() // 1_000_000  # the CLI runs on the system clock
    clock.set(now_ms)
    with ctx.db.write() as conn:
        result = service.ingest(
            conn,
            ctx.clock,
            account.account_id,
            [
                {"type": "em_opens", "contact_id": people[0].uid, "at": now_ms - 40 * 86_400_000},
                {"type": "em_opens", "contact_id": people[0].uid, "at": now_ms - 10 * 86_400_000},
            ],
            source=Source.API,
        )
    assert result.accepted == 2
    off = runner.invoke(cli, ["activity", "prune"])
    assert off.exit_code == 0 and "retention is off" in off.stderr
    pruned = runner.invoke(cli, ["activity", "prune", "--days", "30"])
    assert pruned.exit_code == 0, pruned.output
    assert json.loads(pruned.stdout) == {"deleted": 1, "older_than_days": 30}
    with ctx.db.read() as conn:
        assert conn.scalar(select(func.count()).select_from(events)) == 1
        assert service.contact_totals(conn, account.account_id, people[0].id)["opens"] == 2


def test_rebuild_command(
    runner: CliRunner, ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    with ctx.db.write() as conn:
        service.ingest(
            conn,
            ctx.clock,
            account.account_id,
            [{"type": "em_opens", "contact_id": people[0].uid, "at": NOW - 1000}],
            source=Source.API,
        )
        conn.execute(contact_totals.delete())
    result = runner.invoke(cli, ["activity", "rebuild", "--account", account.account_code])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rebuilt": account.account_code}
    with ctx.db.read() as conn:
        assert service.contact_totals(conn, account.account_id, people[0].id)["opens"] == 1
    missing = runner.invoke(cli, ["activity", "rebuild", "--account", "nope"])
    assert missing.exit_code == 1 and "No account with code 'nope'" in missing.output


def test_import_can_register_unknown_mailings(
    runner: CliRunner, ctx: Context, account: NewAccount, people: list[Any], tmp_path: Path
) -> None:
    source = tmp_path / "elsewhere.ndjson"
    source.write_text(
        f'{{"type": "em_sends", "contact_id": "{people[0].uid}", "mailing_id": 424242}}\n'
        f'{{"type": "em_opens", "contact_id": "{people[0].uid}", "campaign_activity_id": "c-9"}}\n'
    )
    args = ["import", "events", str(source), "--account", account.account_code]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 0 and '"rejected": 2' in refused.output
    made = runner.invoke(cli, [*args, "--create-mailings"])
    assert made.exit_code == 0, made.output
    assert '"accepted": 2' in made.output
    assert {e.mailing_id for e in stored(ctx)} >= {424242}
