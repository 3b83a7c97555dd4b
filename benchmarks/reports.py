"""Contact activity reports on the 1M-contact / 30M-event demo, beside hand-written DuckDB.

What it measures, in one run, on a database made by
``mailroom demo --contacts 1000000 --events 30000000``:

1. `mailroom replica rebuild`: the time to copy every event (and contact) into DuckDB.
2. The hand-written DuckDB query for each report below over the replica's events, materialised
   inside DuckDB (the best of three), as the baseline. mailroom's own reports read the period
   totals (`contact_periods`) for the whole 30-day periods of a window, which the baseline
   does not; the benchmark prints how far those totals reach.
3. Through a real ``mailroom serve`` (its in-process worker runs the jobs and feeds the
   replica): the time from ``POST /api/contact_activity`` to status 2, polling every 20 ms,
   for the full-year report of the whole default list's active contacts and for a 30-day
   report of one domain (``yahoo.com``), best and median of three.
4. ``/export`` CSV throughput of the full-year report (MB/s).
5. Replica lag while ingesting 10,000 events/s for 20 s (the server stopped; this process
   ingests through `activity.service.ingest` and feeds the replica every second, as a worker's
   periodic task does): for each batch, the time from its commit to the end of the first feed
   that holds it.

Run:  .venv/bin/python benchmarks/reports.py --database /work/bench-data/big/mailroom.db
(`--skip-rebuild` reuses an existing replica.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _server import Server
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.replica import rollup, store
from mailroom.replica import service as replica_service

DAY_S = 86_400
HEADERS = {
    "X_USERNAME": "demo@mailroom.local",
    "X_PASSWORD": "demo-password",
    "X_ACCOUNT_CODE": "demo",
    "Content-Type": "application/json",
}
FIELDS = ["email", "ocx_status", "sent", "opens", "clicks", "last_sent_date", "last_open_date"]

HAND_WRITTEN = """
COPY (
  WITH chosen AS (SELECT id, email, status FROM contacts
                  WHERE account_id = {account} AND list_id = {list} {where}),
  totals AS (
    SELECT contact_id,
      count(*) FILTER (WHERE type = 1) AS sent,
      count(*) FILTER (WHERE type = 2 AND NOT machine) AS opens,
      count(*) FILTER (WHERE type = 3 AND NOT machine) AS clicks,
      max(at_ms) FILTER (WHERE type = 1) // 1000 AS last_sent_date,
      max(at_ms) FILTER (WHERE type = 2 AND NOT machine) // 1000 AS last_open_date
    FROM events
    WHERE account_id = {account} AND list_id = {list} AND at_ms >= {start} AND at_ms < {end}
      AND contact_id IN (SELECT id FROM chosen)
    GROUP BY contact_id)
  SELECT c.id, c.email, c.status, coalesce(t.sent, 0) AS sent, coalesce(t.opens, 0) AS opens,
    coalesce(t.clicks, 0) AS clicks, t.last_sent_date, t.last_open_date
  FROM chosen c LEFT JOIN totals t ON t.contact_id = c.id ORDER BY c.id
) TO '{target}' (FORMAT parquet)
"""


def call(base: str, method: str, path: str, body: Any = None) -> Any:
    data = orjson.dumps(body) if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=600) as response:
        return orjson.loads(response.read())


def report_body(title: str, now_s: int, days: int, domain: str | None) -> dict[str, Any]:
    criteria = []
    if domain:
        rule = {
            "type": "email",
            "field_name": "email",
            "operator": "_LIKE",
            "operand": ["@" + domain],
        }
        criteria = [{**rule, "case_sensitive": 0, "condition": "and"}]
    return {
        "title": title,
        "selected_fields": FIELDS,
        "filters": {
            "criteria": criteria,
            "user_type": "all" if domain else "active",
            "from_date": now_s - days * DAY_S,
            "to_date": now_s,
        },
    }


def time_report(base: str, body: dict[str, Any]) -> tuple[float, int, int]:
    """Seconds from POST to status 2, the report's id and its row count."""
    started = time.perf_counter()
    created = call(base, "POST", "/api/contact_activity", body)["payload"]
    while True:
        report = call(base, "GET", f"/api/contact_activity/{created['id']}")["payload"]
        if report["status"] == 2:
            return time.perf_counter() - started, int(report["id"]), int(report["total"])
        if report["status"] == 3:
            raise RuntimeError(report["error"])
        time.sleep(0.02)


def hand_written(ctx: Context, account: int, list_id: int, start_s: int, end_s: int,
                 domain: str | None, folder: Path) -> tuple[float, int]:  # fmt: skip
    where = "AND status = 'active'" if domain is None else f"AND email LIKE '%@{domain}'"
    target = folder / "hand-written.parquet"
    sql = HAND_WRITTEN.format(
        account=account, list=list_id, where=where, start=start_s * 1000,
        end=(end_s + 1) * 1000, target=target,
    )  # fmt: skip
    best = float("inf")
    rows = 0
    with store.connect(store.path_of(ctx.settings)) as duck:
        for _ in range(3):
            started = time.perf_counter()
            rows = int(duck.execute(sql).fetchone()[0])  # type: ignore[index]
            best = min(best, time.perf_counter() - started)
    target.unlink(missing_ok=True)
    return best, rows


def lag(ctx: Context, account: int, list_id: int, seconds: float, rate: int) -> list[float]:
    """Commit-to-replica delays of batches ingested at `rate` events/s."""
    from sqlalchemy import text

    with ctx.db.read() as conn:
        uids = [
            r[0]
            for r in conn.execute(
                text("SELECT uid FROM contacts WHERE list_id = :l ORDER BY id LIMIT 20000"),
                {"l": list_id},
            )
        ]
        newest = text("SELECT max(id) FROM mailings WHERE list_id = :l")
        mailing = conn.execute(newest, {"l": list_id}).scalar_one()
    batch = rate // 10
    committed: list[tuple[float, int]] = []  # (commit time, newest event id of the batch)
    fed: list[tuple[float, int]] = []  # (feed end time, replica watermark)
    stop = threading.Event()

    def ingest() -> None:
        n = 0
        next_at = time.monotonic()
        while not stop.is_set():
            now_ms = int(time.time() * 1000)
            items = [{"type": "em_opens", "contact_id": uids[(n + i) % len(uids)],
                      "mailing_id": mailing, "at": now_ms} for i in range(batch)]  # fmt: skip
            n += batch
            with ctx.db.write() as conn:
                result = activity_service.ingest(conn, ctx.clock, account, items, source=Source.API)
            committed.append((time.monotonic(), max(result.event_ids)))
            next_at += 0.1
            time.sleep(max(0.0, next_at - time.monotonic()))

    def feed() -> None:
        while not stop.is_set():
            caught = replica_service.catch_up(ctx)
            fed.append((time.monotonic(), caught.through))
            stop.wait(1.0)

    threads = [threading.Thread(target=ingest), threading.Thread(target=feed)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    caught = replica_service.catch_up(ctx)
    fed.append((time.monotonic(), caught.through))
    delays = []
    for at, newest in committed:
        seen = next(t for t, mark in fed if mark >= newest and t >= at)
        delays.append(seen - at)
    rate_done = sum(batch for _ in committed) / seconds
    print(f"  ingested {rate_done:,.0f} events/s for {seconds:.0f} s")
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="/work/bench-data/big/mailroom.db")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    args = parser.parse_args()
    url = f"sqlite:///{args.database}"
    settings = Settings(database_url=url)
    ctx = Context(settings=settings, db=Database(url))
    with ctx.db.read() as conn:
        from sqlalchemy import text

        account, list_id = conn.execute(
            text("SELECT id, default_list_id FROM accounts WHERE code = 'demo'")
        ).one()
        newest_s = int(conn.execute(text("SELECT max(at_ms) FROM events")).scalar_one()) // 1000
    print(f"database {args.database}; replica {store.path_of(settings)}")

    if not args.skip_rebuild:
        started = time.perf_counter()
        caught = replica_service.rebuild(ctx)
        took = time.perf_counter() - started
        print(f"replica rebuild: {caught.events:,} events in {took:.1f} s "
              f"({caught.events / took:,.0f} events/s)")  # fmt: skip
    else:
        replica_service.catch_up(ctx)
    with store.connect(store.path_of(settings)) as duck:
        through = rollup.through(duck)
        exists = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'contact_periods'"
        built = duck.execute(exists).fetchall()[0][0]
        periods = built and duck.execute("SELECT count(*) FROM contact_periods").fetchall()[0][0]
        newest = int(duck.execute("SELECT max(id) FROM events").fetchall()[0][0])
    print(f"period totals (contact_periods): {int(periods):,} rows, through event {through:,} "
          f"of {newest:,} (the rest is read from the events)")  # fmt: skip

    now_s = newest_s
    folder = store.path_of(settings).parent
    cases = {
        "full-year, all active, whole list": (365, None),
        "30 days, one domain (yahoo.com)": (30, "yahoo.com"),
    }
    baseline = {}
    for name, (days, domain) in cases.items():
        seconds, rows = hand_written(
            ctx, account, list_id, now_s - days * DAY_S, now_s, domain, folder
        )
        baseline[name] = seconds
        print(f"hand-written DuckDB, {name}: {seconds:.3f} s ({rows:,} rows)")

    ctx.db.dispose()
    env = {"MAILROOM_RATE_LIMIT_PER_MINUTE": "0", "MAILROOM_RATE_LIMIT_IN_FLIGHT": "0"}
    with Server(url, env=env) as server:
        report_ids = {}
        for name, (days, domain) in cases.items():
            times = []
            for n in range(3):
                took, report_id, rows = time_report(
                    server.url, report_body(f"{name} {n}", now_s, days, domain)
                )
                times.append(took)
                report_ids[name] = report_id
            print(f"POST -> status 2, {name}: best {min(times):.3f} s, median "
                  f"{statistics.median(times):.3f} s ({rows:,} rows; "
                  f"{min(times) / baseline[name]:.2f}x the hand-written query)")  # fmt: skip
        report_id = report_ids["full-year, all active, whole list"]
        for _ in range(2):
            started = time.perf_counter()
            request = urllib.request.Request(
                f"{server.url}/api/contact_activity/{report_id}/export", headers=HEADERS
            )
            size = 0
            with urllib.request.urlopen(request, timeout=600) as response:
                while block := response.read(1 << 20):
                    size += len(block)
            took = time.perf_counter() - started
            print(
                f"/export CSV: {size / 1e6:.1f} MB in {took:.2f} s = {size / 1e6 / took:.0f} MB/s"
            )

    ctx = Context(settings=settings, db=Database(url))
    delays = lag(ctx, account, list_id, args.lag_seconds, 10_000)
    delays.sort()
    print(f"replica lag at 10,000 events/s: median {statistics.median(delays):.2f} s, "
          f"p95 {delays[int(len(delays) * 0.95)]:.2f} s, max {delays[-1]:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
