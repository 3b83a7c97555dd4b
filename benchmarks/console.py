"""Server time of every console page on the demo account (`mailroom demo` data at scale).

What it measures: the time the application takes to answer each console page for a signed-in
user, in process (Starlette's test client calling the ASGI app: no network, no browser), over
`--requests` calls per page with varying arguments (random contacts, mailings, search prefixes,
deep pages), printed as p50 / p95 / max in milliseconds. Also the time of the loader and of the
first `charts.refresh` (the background job that keeps the rollups the pages read), which is
not page time but says what a refresh costs at that size.

Run (small, 20,000 contacts on SQLite), then the largest size practical:

    .venv/bin/python benchmarks/console.py
    .venv/bin/python benchmarks/console.py --contacts 1000000 --events 30000000 \\
        --sqlite-path bench-data/console-1m.db
    su postgres -c "createdb mailroom_bench_console"
    .venv/bin/python benchmarks/console.py --backend postgresql --contacts 1000000

Re-runs reuse a database that already holds the demo account (`--reload` rebuilds it).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import select, text  # noqa: E402

from mailroom.charts import rollups as charts  # noqa: E402
from mailroom.config import Settings  # noqa: E402
from mailroom.context import Context  # noqa: E402
from mailroom.db.database import Database  # noqa: E402
from mailroom.db.migrate import upgrade  # noqa: E402
from mailroom.db.tables import automation_events, contacts, mailings  # noqa: E402
from mailroom.demo import service as demo  # noqa: E402
from mailroom.demo.service import DemoSpec, load_demo  # noqa: E402

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_console"


def _database(args: argparse.Namespace) -> str:
    if args.backend == "postgresql":
        return str(args.pg_url)
    path = Path(args.sqlite_path or f"/tmp/mailroom-console-{args.contacts}.db").resolve()
    if args.reload and path.exists():
        path.unlink()
    return f"sqlite:///{path}"


def _prepare(url: str, args: argparse.Namespace) -> Context:
    upgrade(url)
    # No worker inside the timed app: its periodic jobs (the replica feed, the automation minute)
    # would share the process with the pages being timed.
    ctx = Context(settings=Settings(database_url=url, inprocess_worker=False), db=Database(url))
    spec = DemoSpec(contacts=args.contacts, events=args.events, reset=args.reload)
    started = time.monotonic()
    result = load_demo(ctx, spec)
    if result.created:
        print(f"demo loaded: {result.contacts:,} contacts, {result.events:,} events "
              f"in {time.monotonic() - started:.0f} s")  # fmt: skip
    else:
        print(f"demo found: {result.contacts:,} contacts, {result.events:,} events")
    if not ctx.db.is_sqlite:
        with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    started = time.monotonic()
    if args.skip_jobs:  # a re-run on the same data: the rollups and previews are there
        return ctx
    with ctx.db.write() as conn:
        charts.refresh(conn, ctx.clock, result.account_id, settle_ms=0)
    print(f"charts.refresh (the background job, all rollups): {time.monotonic() - started:.1f} s")
    _automation(ctx)
    _background_jobs(ctx)
    return ctx


def _background_jobs(ctx: Context) -> None:
    """What the pages leave to the worker, timed: the segment counts and the event's preview."""
    from mailroom.automation import preview_store
    from mailroom.segments import service as segments_service
    from mailroom.segments.schemas import SegmentQuery

    with ctx.db.write() as conn:
        account_id = conn.execute(text("SELECT id FROM accounts WHERE code = 'demo'")).scalar_one()
        found, _ = segments_service.find_segments(conn, account_id, SegmentQuery())
        for segment in found:
            started = time.monotonic()
            segments_service.count_segment(conn, ctx.clock, account_id, int(segment.id))
            print(f"segments.count {segment.name!r}: {time.monotonic() - started:.2f} s")
        event_id = conn.execute(
            select(automation_events.c.id).where(automation_events.c.name == EVENT_NAME)
        ).scalar_one()
        started = time.monotonic()
        preview_store.compute(conn, ctx.clock, account_id, int(event_id))
        print(f"automation.preview (7 days): {time.monotonic() - started:.2f} s")


EVENT_NAME = "Benchmark birthday greetings"


def _automation(ctx: Context) -> None:
    """A segment, a report and a birthday event on the demo's newsletter, made once."""
    from mailroom.automation import service as automation_service
    from mailroom.esp import service as esp_service
    from mailroom.messages import service as messages_service
    from mailroom.reports import service as reports_service
    from mailroom.segments import service as segments_service

    with ctx.db.write() as conn:
        account_id, list_id = conn.execute(
            text("SELECT id, default_list_id FROM accounts WHERE code = 'demo'")
        ).one()
        if conn.execute(
            select(automation_events.c.id).where(automation_events.c.name == EVENT_NAME)
        ).first():
            return
        rule = {"field_name": "country", "type": "string", "operator": "=",
                "operand": ["United Kingdom"], "case_sensitive": 0, "condition": "and"}  # fmt: skip
        segment = segments_service.create_segment(
            conn, ctx.clock, account_id, list_id, {"name": "UK readers", "criteria": [rule]}
        )
        reports_service.create_report(
            conn,
            ctx.clock,
            account_id,
            list_id,
            {"title": "Everyone", "selected_fields": ["email", "ocx_status", "sent", "opens"]},
        )
        message = messages_service.create_message(
            conn, ctx.clock, account_id, list_id,
            {"name": "Birthday", "subject": "Happy birthday", "from_address": "n@example.com",
             "content_html": "<p>Happy birthday</p>"},
        )  # fmt: skip
        outbox = esp_service.create_connection(
            conn, ctx.clock, account_id,
            {"esp_id": 0, "name": "Outbox", "folder": "/tmp/mailroom-bench-outbox"},
        )  # fmt: skip
        automation_service.create_event(
            conn,
            ctx.clock,
            account_id,
            list_id,
            {
                "name": EVENT_NAME,
                "based_on": "date_field",
                "date_field_name": "birthday",
                "annually_event": True,
                "ongoing_event": True,
                "status": True,
                "segments": [int(segment.id)],
                "distribution": [
                    {"esp_connection_id": int(outbox.id), "domain": "default", "percent": 100}
                ],
                "triggers": [
                    {"based_on": "list_field", "email_messages": [int(message.id)],
                     "days_diff": 0, "operator": "after", "schedule_hour": 9,
                     "schedule_minute": 0}
                ],
            },
        )  # fmt: skip


def _sign_in(client: Any) -> None:
    page = client.get("/console/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        "/console/login",
        data={"csrf": token.group(1), "username": demo.USERNAME, "password": demo.PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _pages(ctx: Context, rng: random.Random) -> dict[str, Callable[[], str]]:
    """Page name -> a function giving a URL of that page (random arguments each call)."""
    with ctx.db.read() as conn:
        account = conn.execute(text("SELECT id, default_list_id FROM accounts WHERE code = 'demo'"))
        account_id, newsletter = account.one()
        mailing_ids = [
            int(i)
            for i in conn.execute(select(mailings.c.id).where(mailings.c.account_id == account_id))
            .scalars()
            .all()
        ]
        sample = conn.execute(
            select(contacts.c.uid, contacts.c.email)
            .where(contacts.c.list_id == newsletter)
            .order_by(contacts.c.email)
            .limit(20_000)
        ).all()
        event_id = conn.execute(
            select(automation_events.c.id).where(automation_events.c.name == EVENT_NAME)
        ).scalar_one()
    uids = [r.uid for r in sample]
    deep = sample[-1].email
    return {
        "overview 30 days": lambda: "/console?days=30",
        "overview 90 days": lambda: "/console?days=90",
        "overview 365 days": lambda: "/console?days=365",
        "lists": lambda: "/console/lists",
        "list: first page": lambda: f"/console/lists/{newsletter}",
        "list: email prefix": lambda: (
            f"/console/lists/{newsletter}?q={rng.choice('abcdefghijklmnoprstw')}"
            f"{rng.choice('aeiou')}"
        ),
        "list: status bounced": lambda: f"/console/lists/{newsletter}?status=bounced",
        "list: status complaint": lambda: f"/console/lists/{newsletter}?status=complaint",
        "list: page after 20,000": lambda: f"/console/lists/{newsletter}?after={deep}",
        "contact": lambda: f"/console/contacts/{rng.choice(uids)}",
        "mailings": lambda: "/console/mailings",
        "mailings page 3": lambda: "/console/mailings?page=3",
        "mailing": lambda: f"/console/mailings/{rng.choice(mailing_ids)}",
        "segments and reports": lambda: "/console/reports",
        "automation": lambda: "/console/automation",
        "automation event+preview": lambda: f"/console/automation/{event_id}",
        "automation toggle confirm": lambda: f"/console/automation/{event_id}/toggle",
    }


def _time_pages(ctx: Context, requests: int) -> None:
    os.environ.setdefault("MAILROOM_RATE_LIMIT_PER_MINUTE", "0")
    from fastapi.testclient import TestClient

    from mailroom.app import create_app

    rng = random.Random(3)
    pages = _pages(ctx, rng)
    with TestClient(create_app(ctx)) as client:
        _sign_in(client)
        print(f"\n{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   ({requests} calls each)")
        worst = 0.0
        for name, url in pages.items():
            client.get(url())  # warm: templates compiled, statements cached
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                response = client.get(url())
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (name, response.status_code)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            worst = max(worst, p95)
            print(f"{name:<26} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
        print(f"\nslowest page p95: {worst:.1f} ms (target: every page <= 200 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=None, help="default: 30 per contact")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--sqlite-path", default=None)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument(
        "--skip-jobs", action="store_true", help="re-run: time the pages only, on data prepared"
    )
    args = parser.parse_args()
    if args.events is None:
        args.events = 30 * args.contacts
    url = _database(args)
    print(f"backend {args.backend}: {url.split('@')[-1]}")
    ctx = _prepare(url, args)
    _time_pages(ctx, args.requests)
    ctx.db.dispose()


if __name__ == "__main__":
    main()
