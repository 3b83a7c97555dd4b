"""Contact activity reports end to end through Ongage's API, on the replica and on main."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

import pytest
from report_seed import DAY_MS, add_people, history
from tests.conftest import add_field

import mailroom.reports.jobs  # noqa: F401 (registers the report job)
from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.jobs import worker
from mailroom.replica import service as replica_service

BASE = "/api/contact_activity"
ALL_FIELDS = [
    "email", "last_name", "ocx_status", "sent", "opens", "clicks", "machine_opens",
    "machine_clicks", "unsubscribe", "complains", "bounces", "last_sent_date",
    "last_open_date", "last_click_date",
]  # fmt: skip


@pytest.fixture(params=["replica", "main"])
def mode(request: pytest.FixtureRequest, ctx: Context) -> str:
    ctx.settings = dataclasses.replace(ctx.settings, analytics=request.param)
    return str(request.param)


@pytest.fixture
def people(ctx: Context, account: NewAccount) -> list[Any]:
    add_field(ctx, account, "last_name")
    found = add_people(ctx, account)
    history(ctx, account, found)
    return found


def run_jobs(ctx: Context) -> int:
    done = 0
    while worker.run_one(ctx, "test-worker"):
        done += 1
    return done


def create(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(BASE, json=body, headers=headers)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["payload"]
    assert payload["status"] == 1 and payload["status_desc"] == "Pending"
    return payload


def completed(client: Any, ctx: Context, headers: dict[str, str], body: dict[str, Any]) -> int:
    report = create(client, headers, body)
    assert run_jobs(ctx) >= 1
    status = client.get(f"{BASE}/{report['id']}", headers=headers).json()["payload"]
    assert (status["status"], status["status_desc"]) == (2, "Completed"), status
    return int(report["id"])


def window(ctx: Context, days: int) -> dict[str, int]:
    now_s = ctx.clock.now_ms() // 1000
    return {"from_date": now_s - days * 86_400, "to_date": now_s}


def test_windowed_report_counts_inside_the_window(
    client: Any, ctx: Context, ongage_headers: dict[str, str], people: list[Any], mode: str
) -> None:
    body = {
        "title": "Last 20 days",
        "selected_fields": ALL_FIELDS,
        "filters": {"criteria": [], "user_type": "all", **window(ctx, 20)},
    }
    report_id = completed(client, ctx, ongage_headers, body)
    result = client.get(f"{BASE}/{report_id}/result", headers=ongage_headers).json()
    assert result["metadata"] == {"error": False, "fields": {}, "total": 5}
    rows = {r["email"]: r for r in result["payload"]}
    assert list(rows["c0@gmail.com"]) == ALL_FIELDS
    now_s = ctx.clock.now_ms() // 1000
    c0 = rows["c0@gmail.com"]
    assert (c0["sent"], c0["opens"], c0["clicks"], c0["machine_opens"]) == (0, 1, 1, 1)
    assert c0["last_open_date"] == now_s - 10 * 86_400  # people's opens only
    assert c0["last_sent_date"] is None and c0["last_name"] == "Adams"
    c1 = rows["c1@example.org"]
    assert (c1["sent"], c1["opens"], c1["last_sent_date"]) == (1, 1, now_s - 10 * 86_400)
    c2 = rows["c2@gmail.com"]
    assert (c2["sent"], c2["bounces"], c2["ocx_status"]) == (1, 1, "Bounced")
    c3 = rows["c3@example.org"]  # opted out 39 days ago: outside the window
    assert (c3["sent"], c3["unsubscribe"], c3["ocx_status"]) == (0, 0, "Unsubscribed")
    assert rows["c4@gmail.com"]["sent"] == 0 and rows["c4@gmail.com"]["opens"] == 0

    page = client.get(
        f"{BASE}/{report_id}/result", params={"offset": 1, "limit": 2}, headers=ongage_headers
    ).json()
    assert page["metadata"]["total"] == 5
    assert [r["email"] for r in page["payload"]] == [r["email"] for r in result["payload"]][1:3]


def test_machine_opens_count_when_asked(
    client: Any, ctx: Context, ongage_headers: dict[str, str], people: list[Any], mode: str
) -> None:
    body = {
        "title": "With machines",
        "selected_fields": ["email", "opens", "machine_opens"],
        "include_machine": True,
        "filters": {"user_type": "active", **window(ctx, 20)},
    }
    report_id = completed(client, ctx, ongage_headers, body)
    rows = client.get(f"{BASE}/{report_id}/result", headers=ongage_headers).json()["payload"]
    assert {r["email"]: r["opens"] for r in rows} == {
        "c0@gmail.com": 2,
        "c1@example.org": 1,
        "c4@gmail.com": 0,
    }  # active contacts only


def test_all_time_report_reads_the_totals(
    client: Any, ctx: Context, ongage_headers: dict[str, str], people: list[Any], mode: str
) -> None:
    body = {"title": "All time", "selected_fields": ALL_FIELDS, "filters": {"user_type": "all"}}
    report_id = completed(client, ctx, ongage_headers, body)
    rows = {
        r["email"]: r
        for r in client.get(f"{BASE}/{report_id}/result", headers=ongage_headers).json()["payload"]
    }
    c0, c3 = rows["c0@gmail.com"], rows["c3@example.org"]
    assert (c0["sent"], c0["opens"], c0["clicks"], c0["machine_opens"]) == (1, 2, 1, 1)
    assert (c3["sent"], c3["unsubscribe"]) == (1, 1)
    assert rows["c1@example.org"]["sent"] == 2


def test_csv_exports(
    client: Any,
    ctx: Context,
    account: NewAccount,
    ongage_headers: dict[str, str],
    people: list[Any],
    mode: str,
) -> None:
    body = {
        "title": "Export",
        "selected_fields": ["email", "last_name", "ocx_status", "opens", "last_open_date"],
        "filters": {"user_type": "all", **window(ctx, 20)},
    }
    report_id = completed(client, ctx, ongage_headers, body)
    response = client.get(f"{BASE}/{report_id}/export", headers=ongage_headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == body["selected_fields"]
    by_email = {line[0]: line for line in lines[1:]}
    now_s = ctx.clock.now_ms() // 1000
    assert by_email["c0@gmail.com"] == [
        "c0@gmail.com", "Adams", "Active", "1", str(now_s - 10 * 86_400),
    ]  # fmt: skip
    assert by_email["c3@example.org"][1] == "'=HYPERLINK(1)"  # never run as a formula
    assert by_email["c4@gmail.com"][3:] == ["0", ""]

    detailed = client.get(f"{BASE}/{report_id}/export_detailed", headers=ongage_headers)
    assert detailed.status_code == 200
    events = list(csv.DictReader(io.StringIO(detailed.text)))
    assert [e["email"] for e in events] == (
        ["c0@gmail.com"] * 3 + ["c1@example.org"] * 2 + ["c2@gmail.com"] * 2
    )
    click = next(e for e in events if e["event_type"] == "em_clicks")
    assert click["link"] == "https://shop.test/spring"
    machine = [e for e in events if e["machine"] == "true"]
    assert len(machine) == 1 and machine[0]["event_type"] == "em_opens"
    assert {e["event_type"] for e in events} == {"em_sends", "em_opens", "em_clicks", "em_bounces"}

    # An event stored after the report ran is not in its detailed lines, as not in its rows.
    later = {"type": "em_opens", "contact_id": people[0].uid, "at": ctx.clock.now_ms() - DAY_MS}
    with ctx.db.write() as conn:
        stored = activity_service.ingest(
            conn, ctx.clock, account.account_id, [later], source=Source.API
        )
    assert stored.rejected == []
    if mode == "replica":
        replica_service.catch_up(ctx)  # the replica holds it too
    again = client.get(f"{BASE}/{report_id}/export_detailed", headers=ongage_headers)
    assert again.text == detailed.text


def test_collection_and_delete(
    client: Any, ctx: Context, ongage_headers: dict[str, str], people: list[Any], mode: str
) -> None:
    ids = []
    for title in ("B report", "A report"):
        body = {"title": title, "selected_fields": ["email"], "filters": window(ctx, 20)}
        ids.append(completed(client, ctx, ongage_headers, body))
    listing = client.get(
        BASE, params={"sort": "title", "order": "ASC"}, headers=ongage_headers
    ).json()
    assert listing["metadata"]["total"] == 2
    assert [r["title"] for r in listing["payload"]] == ["A report", "B report"]
    assert all("payload" not in r and "rows" not in r for r in listing["payload"])
    limited = client.get(BASE, params={"offset": 1, "limit": 1}, headers=ongage_headers).json()
    assert [r["id"] for r in limited["payload"]] == [ids[1]]

    deleted = client.delete(f"{BASE}/{ids[0]}", headers=ongage_headers)
    assert deleted.status_code == 200
    assert client.get(f"{BASE}/{ids[0]}", headers=ongage_headers).status_code == 404
    assert client.get(f"{BASE}/{ids[0]}/result", headers=ongage_headers).status_code == 404
    assert client.get(BASE, headers=ongage_headers).json()["metadata"]["total"] == 1


def test_other_accounts_reports_are_not_found(
    client: Any,
    ctx: Context,
    ongage_headers: dict[str, str],
    other_account: NewAccount,
    people: list[Any],
) -> None:
    from tests.conftest import ongage_headers_for

    body = {"title": "Mine", "selected_fields": ["email"], "filters": {}}
    report_id = completed(client, ctx, ongage_headers, body)
    theirs = ongage_headers_for(other_account)
    assert client.get(f"{BASE}/{report_id}", headers=theirs).status_code == 404
    assert client.delete(f"{BASE}/{report_id}", headers=theirs).status_code == 404


def test_dates_as_calendar_strings(
    client: Any, ctx: Context, ongage_headers: dict[str, str], people: list[Any]
) -> None:
    body = {
        "title": "Calendar",
        "selected_fields": ["email", "sent"],
        "filters": {"from_date": "12/01/2025", "to_date": "12/31/2025"},
    }
    report = create(client, ongage_headers, body)
    assert report["filters"]["from_date"] == 1764547200  # 2025-12-01T00:00:00Z
    assert report["filters"]["to_date"] == 1767225599  # 2025-12-31T23:59:59Z
    run_jobs(ctx)
    rows = client.get(f"{BASE}/{report['id']}/result", headers=ongage_headers).json()["payload"]
    assert {r["email"]: r["sent"] for r in rows}["c1@example.org"] == 1  # 10 days before 2026


def test_pending_report_has_no_result(
    client: Any, ctx: Context, ongage_headers: dict[str, str], people: list[Any]
) -> None:
    report = create(client, ongage_headers, {"title": "T", "selected_fields": ["email"]})
    response = client.get(f"{BASE}/{report['id']}/result", headers=ongage_headers)
    assert response.status_code == 412
    assert response.json()["metadata"]["error"] is True


assert DAY_MS == 86_400_000


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"type": "email", "field_name": "email", "operator": "_LIKE", "operand": ["gmail.com"]},
            ["c0@gmail.com", "c2@gmail.com", "c4@gmail.com"],
        ),
        (
            {
                "type": "email",
                "field_name": "email",
                "operator": "LIKE_",
                "operand": ["C1", "c3"],
                "case_sensitive": 1,
            },
            ["c3@example.org"],
        ),
        (
            {"type": "string", "field_name": "last_name", "operator": "=", "operand": ["brown"]},
            ["c1@example.org"],
        ),
        (
            {"type": "string", "field_name": "ocx_status", "operator": "!=", "operand": ["active"]},
            ["c2@gmail.com", "c3@example.org"],
        ),
        (  # people who were sent a mailing over all time: the period totals and newer events
            {"type": "behavioral", "field_name": "sent", "operator": "=", "operand": {}},
            ["c0@gmail.com", "c1@example.org", "c2@gmail.com", "c3@example.org"],
        ),
        (  # the uid is not copied to the replica: the main database picks the ids
            {"type": "id", "field_name": "ocx_contact_id", "operator": "!=", "operand": ["x"]},
            ["c0@gmail.com", "c1@example.org", "c2@gmail.com", "c3@example.org", "c4@gmail.com"],
        ),
    ],
)
def test_windowed_report_with_criteria(
    client: Any,
    ctx: Context,
    ongage_headers: dict[str, str],
    people: list[Any],
    mode: str,
    rule: dict[str, Any],
    expected: list[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rules run inside DuckDB when the replica answers them exactly; a rule on what it does not
    copy (the uid) has the main database pick the ids."""
    from mailroom.reports import columnar

    paths: list[str] = []
    compute = columnar.compute

    def spy(*args: Any, **kwargs: Any) -> int:
        paths.append("duckdb" if kwargs.get("among") else "ids")
        return compute(*args, **kwargs)

    monkeypatch.setattr(columnar, "compute", spy)
    body = {
        "title": "Criteria",
        "selected_fields": ["email", "sent"],
        "filters": {
            "criteria": [{"case_sensitive": 0, "condition": "and", **rule}],
            **window(ctx, 20),
        },
    }
    report_id = completed(client, ctx, ongage_headers, body)
    rows = client.get(f"{BASE}/{report_id}/result", headers=ongage_headers).json()["payload"]
    assert [r["email"] for r in rows] == expected
    sent = {"c0@gmail.com": 0, "c1@example.org": 1, "c2@gmail.com": 1, "c3@example.org": 0}
    assert all(r["sent"] == sent.get(r["email"], 0) for r in rows)
    assert "not runnable in DuckDB" not in caplog.text  # DuckDB took the conditions it was given
    in_duckdb = rule["field_name"] != "ocx_contact_id"
    assert paths == ([] if mode == "main" else ["duckdb" if in_duckdb else "ids"])
