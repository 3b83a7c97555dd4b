"""`mailroom replica rebuild|feed|status` via CliRunner."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from tests.conftest import add_field
from tests.reports.report_seed import add_people, history

from mailroom.accounts.schemas import NewAccount
from mailroom.cli.main import cli
from mailroom.context import Context


@pytest.fixture
def runner(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("MAILROOM_REPLICA_PATH", ctx.settings.replica_path)
    return CliRunner()


@pytest.fixture
def people(ctx: Context, account: NewAccount) -> list[Any]:
    add_field(ctx, account, "last_name")
    found = add_people(ctx, account)
    history(ctx, account, found)
    return found


def test_feed_rebuild_and_status(runner: CliRunner, people: list[Any]) -> None:
    fed = runner.invoke(cli, ["replica", "feed"])
    assert fed.exit_code == 0, fed.output
    assert json.loads(fed.output)["events"] == 12
    rebuilt = runner.invoke(cli, ["replica", "rebuild", "--no-progress"])
    assert rebuilt.exit_code == 0, rebuilt.output
    summary = json.loads(rebuilt.output)
    assert summary["events"] == 12 and summary["through_event_id"] > 0
    state = json.loads(runner.invoke(cli, ["replica", "status"]).output)
    assert state["replica_rows"] == 12
    assert state["replica_events"] == state["main_events"]  # the watermark: the newest id
    assert state["replica_contact_changes"] == state["main_contact_changes"]
