"""Contact counts answered on the replica when it can answer exactly, on the main database else."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from tests.dialects.constantcontact.cc_support import ingest
from tests.dialects.ongage.test_segments_api import setup_list

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import maintenance_repository
from mailroom.activity.retention import MARKER
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.criteria import repository as criteria_repository
from mailroom.replica import service as replica_service

# gmail.com people who opened a mailing: ann (active) and carl (active); bob is at yahoo.com.
OPENED_AT_GMAIL = {
    "criteria": [
        {"field_name": "email", "operator": "_LIKE", "operand": ["gmail.com"], "condition": "and"},
        {"type": "behavioral", "field_name": "opened", "operator": "=", "operand": {},
         "condition": "and"},
    ]
}  # fmt: skip


def _opens(ctx: Context, account: NewAccount, emails: list[str]) -> None:
    at = ctx.clock.now_ms() - 60_000
    ingest(ctx, account, [{"type": "em_opens", "email": e, "at": at} for e in emails])


def _count(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/contact_counts", json=body, headers=headers)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["payload"]
    return payload


@pytest.fixture
def main_refused(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counting on the main database fails: an answer can only have come from the replica."""
    calls: list[int] = []

    def refuse(*args: Any) -> dict[str, int]:
        calls.append(1)
        raise AssertionError("counted on the main database")

    monkeypatch.setattr(criteria_repository, "count_by_status", refuse)
    return calls


@pytest.fixture
def on_main(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per count the main database answered (it still answers them)."""
    calls: list[int] = []
    original = criteria_repository.count_by_status

    def spy(*args: Any) -> dict[str, int]:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(criteria_repository, "count_by_status", spy)
    return calls


def test_counts_come_from_the_replica_caught_up_with_the_request(
    client: Any,
    ongage_headers: dict[str, str],
    ctx: Context,
    account: NewAccount,
    main_refused: Any,
) -> None:
    replica_service.catch_up(ctx)  # the replica exists before the contacts and events arrive
    setup_list(client, ongage_headers)
    _opens(ctx, account, ["ann@gmail.com", "carl@gmail.com", "bob@yahoo.com"])
    counts = _count(client, ongage_headers, OPENED_AT_GMAIL)
    assert (counts["active"], counts["unsubscribed"], counts["total"]) == (2, 0, 2)
    segment = client.post(
        "/api/segments", json={"name": "openers", **OPENED_AT_GMAIL}, headers=ongage_headers
    ).json()["payload"]
    _opens(ctx, account, ["eve@example.org"])  # not at gmail.com: changes nothing
    counts = _count(client, ongage_headers, {"segment_id": segment["id"]})
    assert (counts["active"], counts["total"]) == (2, 2)


def test_pruned_history_sends_all_time_behavior_to_the_main_database(
    client: Any,
    ongage_headers: dict[str, str],
    ctx: Context,
    account: NewAccount,
    on_main: list[int],
) -> None:
    replica_service.catch_up(ctx)
    setup_list(client, ongage_headers)
    _opens(ctx, account, ["ann@gmail.com"])
    with ctx.db.write() as conn:  # retention pruned some events: only the totals know them
        maintenance_repository.upsert_marker(conn, MARKER, 1, ctx.clock.now_ms())
    counts = _count(client, ongage_headers, OPENED_AT_GMAIL)
    assert on_main and (counts["active"], counts["total"]) == (1, 1)


def test_criteria_the_replica_cannot_render_are_counted_on_the_main_database(
    client: Any,
    ongage_headers: dict[str, str],
    ctx: Context,
    account: NewAccount,
    monkeypatch: pytest.MonkeyPatch,
    on_main: list[int],
) -> None:
    from sqlalchemy.exc import CompileError

    from mailroom.replica import conditions

    def refuse(statement: Any) -> Any:
        raise CompileError("not renderable here")

    replica_service.catch_up(ctx)
    setup_list(client, ongage_headers)
    _opens(ctx, account, ["ann@gmail.com", "carl@gmail.com"])
    monkeypatch.setattr(conditions, "to_duckdb", refuse)
    counts = _count(client, ongage_headers, OPENED_AT_GMAIL)
    assert on_main and (counts["active"], counts["total"]) == (2, 2)


class TestAnalyticsOnMain:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """`MAILROOM_ANALYTICS=main`: no replica is made or read."""
        return replace(settings, analytics="main")

    def test_counts_on_the_main_database(
        self,
        client: Any,
        ongage_headers: dict[str, str],
        ctx: Context,
        account: NewAccount,
        on_main: list[int],
    ) -> None:
        setup_list(client, ongage_headers)
        _opens(ctx, account, ["ann@gmail.com", "carl@gmail.com"])
        counts = _count(client, ongage_headers, OPENED_AT_GMAIL)
        assert on_main and (counts["active"], counts["total"]) == (2, 2)
