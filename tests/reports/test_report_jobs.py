"""Reports as durable jobs: a killed worker's report completes later, never twice at once."""

from __future__ import annotations

from typing import Any

import pytest
from report_seed import add_people, history
from tests.conftest import add_field

import mailroom.reports.jobs  # noqa: F401 (registers the report job)
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.jobs import queue, worker
from mailroom.kit.clock import FrozenClock
from mailroom.reports import columnar, service

BASE = "/api/contact_activity"


@pytest.fixture
def people(ctx: Context, account: NewAccount) -> list[Any]:
    add_field(ctx, account, "last_name")
    found = add_people(ctx, account)
    history(ctx, account, found)
    return found


def create(client: Any, headers: dict[str, str], ctx: Context) -> int:
    now_s = ctx.clock.now_ms() // 1000
    body = {
        "title": "Windowed",
        "selected_fields": ["email", "sent", "opens"],
        "filters": {"from_date": now_s - 30 * 86_400, "to_date": now_s},
    }
    response = client.post(BASE, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["payload"]["id"])


def status(client: Any, headers: dict[str, str], report_id: int) -> dict[str, Any]:
    payload: dict[str, Any] = client.get(f"{BASE}/{report_id}", headers=headers).json()["payload"]
    return payload


def test_a_report_survives_a_killed_worker(
    client: Any, ctx: Context, clock: FrozenClock, ongage_headers: dict[str, str], people: Any
) -> None:
    report_id = create(client, ongage_headers, ctx)
    with ctx.db.write() as conn:  # a worker claims the job, then dies without finishing it
        claimed = queue.claim(conn, clock, "dead-worker", kinds=[service.JOB])
    assert claimed is not None and claimed.payload == {"report_id": report_id}

    # While the dead worker's lease lasts, no other worker takes the same report.
    assert worker.run_one(ctx, "second-worker") is False
    assert status(client, ongage_headers, report_id)["status"] == 1

    clock.advance(seconds=61)  # the lease runs out
    assert worker.run_one(ctx, "second-worker") is True
    done = status(client, ongage_headers, report_id)
    assert (done["status"], done["total"]) == (2, 5)
    rows = client.get(f"{BASE}/{report_id}/result", headers=ongage_headers).json()["payload"]
    assert {r["email"]: r["sent"] for r in rows}["c1@example.org"] == 1
    with ctx.db.read() as conn:
        job = queue.get(conn, claimed.id)
    assert (job.status, job.attempts) == (queue.DONE, 2)


def test_running_a_finished_report_again_changes_nothing(
    client: Any, ctx: Context, ongage_headers: dict[str, str], people: Any
) -> None:
    report_id = create(client, ongage_headers, ctx)
    assert worker.run_one(ctx, "w")
    before = client.get(f"{BASE}/{report_id}/export", headers=ongage_headers).text
    service.run_report(ctx, report_id)  # e.g. a worker that died after the work, before finish
    assert client.get(f"{BASE}/{report_id}/export", headers=ongage_headers).text == before


def test_a_report_that_cannot_run_ends_failed_with_its_reason(
    client: Any,
    ctx: Context,
    clock: FrozenClock,
    ongage_headers: dict[str, str],
    people: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(columnar, "compute", broken)
    report_id = create(client, ongage_headers, ctx)
    for _ in range(5):  # every attempt, each after its back-off
        assert worker.run_one(ctx, "w")
        clock.advance(seconds=60)
    failed = status(client, ongage_headers, report_id)
    assert (failed["status"], failed["status_desc"]) == (3, "Failed")
    assert failed["error"] == "OSError: disk full"
    assert worker.run_one(ctx, "w") is False


def test_a_report_reads_events_committed_before_it_was_created(
    client: Any, ctx: Context, account: NewAccount, ongage_headers: dict[str, str], people: Any
) -> None:
    """No feed ran before: the report's job brings the replica up to the report's creation."""
    report_id = create(client, ongage_headers, ctx)
    assert worker.run_one(ctx, "w")
    with ctx.db.read() as conn:
        report = service.get_report(conn, account.account_id, report_id)
    assert report.row.store == service.REPLICA
    assert report.row.data_through >= report.row.events_high > 0
    assert columnar.file_of(ctx.settings, report_id).exists()
    client.delete(f"{BASE}/{report_id}", headers=ongage_headers)
    assert not columnar.file_of(ctx.settings, report_id).exists()
