"""Segments and reports, automation: create a report and download its CSV, sends per day, the
toggle behind its confirmation, CSRF and another account's ids."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy import insert, select

from console.conftest import DEMO_HEADERS, csrf_of, sign_in
from mailroom.background import load_jobs
from mailroom.context import Context
from mailroom.db.tables import automation_events, contacts, sends, triggers
from mailroom.demo.service import DemoResult
from mailroom.jobs import worker


def _run_jobs(ctx: Context) -> None:
    load_jobs()
    for _ in range(100):
        if not worker.run_one(ctx, "test"):
            return


def test_a_report_is_made_run_and_downloaded(
    client: Any, ctx: Context, demo_account: DemoResult, demo_automation: dict[str, Any]
) -> None:
    sign_in(client)
    page = client.get("/console/reports")
    assert "Readers in the United Kingdom" in page.text
    form = {
        "csrf": csrf_of(page.text),
        "title": "Newsletter, December",
        "list": str(demo_account.default_list_id),
        "segment": "",
        "user_type": "active",
        "from": "2025-12-01",
        "to": "2025-12-31",
    }
    made = client.post("/console/reports", data=form, follow_redirects=False)
    assert made.status_code == 303
    listed = client.get("/console/reports").text
    report_id = re.search(r'href="/console/reports/(\d+)\.csv"', listed)
    assert report_id is None and "Pending" in listed  # no download before it completes
    _run_jobs(ctx)
    listed = client.get("/console/reports").text
    found = re.search(r'href="/console/reports/(\d+)\.csv"', listed)
    assert found is not None
    response = client.get(f"/console/reports/{found.group(1)}.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {r["ocx_status"] for r in rows} == {"Active"}
    assert sum(int(r["sent"] or 0) for r in rows) > 0


def test_a_bad_report_form_says_what_is_wrong(client: Any, demo_account: DemoResult) -> None:
    sign_in(client)
    token = csrf_of(client.get("/console/reports").text)
    form = {"csrf": token, "title": "", "list": str(demo_account.default_list_id),
            "from": "2025-12-31", "to": "2025-12-01"}  # fmt: skip
    response = client.post("/console/reports", data=form)
    assert response.status_code == 412
    assert "title is required" in response.text and "before from_date" in response.text


def test_report_and_toggle_posts_need_the_form_token(
    client: Any, demo_account: DemoResult, demo_automation: dict[str, Any]
) -> None:
    sign_in(client)
    event_id = demo_automation["event_id"]
    for path in ("/console/reports", f"/console/automation/{event_id}/toggle"):
        response = client.post(path, data={"title": "x", "active": "off"})
        assert response.status_code == 403, path


def test_toggle_asks_first_and_switches_once(
    client: Any, ctx: Context, demo_account: DemoResult, demo_automation: dict[str, Any]
) -> None:
    sign_in(client)
    event_id = demo_automation["event_id"]
    confirm = client.get(f"/console/automation/{event_id}/toggle")
    assert "Yes, switch it off" in confirm.text

    def active() -> bool:
        with ctx.db.read() as conn:
            query = select(automation_events.c.active).where(automation_events.c.id == event_id)
            return bool(conn.execute(query).scalar_one())

    assert active()
    form = {"csrf": csrf_of(confirm.text), "active": "off"}
    assert client.post(f"/console/automation/{event_id}/toggle", data=form).status_code == 200
    assert not active()
    # The same confirmation sent twice (a reload, a double click) does not switch it back on.
    client.post(f"/console/automation/{event_id}/toggle", data=form)
    assert not active()


def test_sends_of_the_last_seven_days_per_day(
    client: Any, ctx: Context, demo_account: DemoResult, demo_automation: dict[str, Any]
) -> None:
    event_id = demo_automation["event_id"]
    now = ctx.clock.now_ms()
    with ctx.db.write() as conn:
        trigger = conn.execute(select(triggers).where(triggers.c.event_id == event_id)).one()
        rows = [
            {
                "account_id": demo_account.account_id,
                "key": f"test-{i}",
                "mailing_id": trigger.mailing_id,
                "trigger_id": trigger.id,
                "contact_id": i + 1,
                "email_message_id": 1,
                "due_ms": now - days * 86_400_000,
                "status": "sent",
                "sent_ms": now - days * 86_400_000,
                "created_ms": now,
            }
            for i, days in enumerate((0, 0, 1, 6, 7, 30))
        ]
        conn.execute(insert(sends), rows)
    sign_in(client)
    page = client.get(f"/console/automation/{event_id}").text
    counts = re.findall(r'<td class="num">(\d+)</td>', page.split("Preview, next")[0])
    assert [int(c) for c in counts] == [1, 0, 0, 0, 0, 1, 2]  # 6 days ago ... today
    overview = client.get("/console/automation").text
    assert re.search(r'<td class="num">4</td></tr></tbody>', overview)  # the 7-day total


def test_another_accounts_report_and_event_do_not_open(
    client: Any, demo_account: DemoResult, stranger: dict[str, Any]
) -> None:
    sign_in(client)
    for path in (
        f"/console/reports/{stranger['report_id']}.csv",
        f"/console/automation/{stranger['event_id']}",
        f"/console/automation/{stranger['event_id']}/toggle",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_of(client.get("/console/reports").text)
    refused = client.post(
        f"/console/automation/{stranger['event_id']}/toggle", data={"csrf": token, "active": "on"}
    )
    assert refused.status_code == 404


def test_segments_are_counted_in_the_background(
    client: Any, ctx: Context, demo_account: DemoResult, demo_automation: dict[str, Any]
) -> None:
    sign_in(client)
    first = client.get("/console/reports").text
    assert "(counting now)" in first
    _run_jobs(ctx)
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(contacts.c.status, contacts.c.fields).where(
                contacts.c.list_id == demo_automation["list_id"]
            )
        ).all()
    expected = sum(
        1
        for r in rows
        if r.status == "active" and (r.fields or {}).get("country") == "United Kingdom"
    )
    assert expected > 0
    page = client.get("/console/reports").text
    row = re.search(
        r"Readers in the United Kingdom</th><td>[^<]*</td><td class=\"num\">([\d,]+)<", page
    )
    assert row is not None and int(row.group(1).replace(",", "")) == expected
    assert "(counting now)" not in page  # counted within the hour: not queued again


def test_the_preview_is_computed_in_the_background_and_kept(
    client: Any, ctx: Context, demo_account: DemoResult, demo_automation: dict[str, Any]
) -> None:
    from datetime import UTC, datetime, timedelta

    sign_in(client)
    event_id = demo_automation["event_id"]
    first = client.get(f"/console/automation/{event_id}").text
    assert "being computed in the background" in first
    _run_jobs(ctx)
    page = client.get(f"/console/automation/{event_id}").text
    today = datetime.fromtimestamp(ctx.clock.now_ms() // 1000, UTC).date()
    last = today + timedelta(days=6)
    api = client.get(
        f"/api/events/{event_id}/preview?from={today.isoformat()}&to={last.isoformat()}",
        headers=DEMO_HEADERS,
    )
    assert api.status_code == 200, api.text
    expected = api.json()["payload"]
    assert expected, "the demo has birthdays in the coming week"
    shown = re.findall(r'href="/console/contacts/[0-9a-f]+">([^<]+)</a>', page)
    assert shown == [item["email"] for item in expected][:50]
    assert "(a new one is being computed)" not in page
    ctx.clock.advance(seconds=901)  # type: ignore[attr-defined]
    assert "(a new one is being computed)" in client.get(f"/console/automation/{event_id}").text
