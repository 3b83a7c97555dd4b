"""Latency of Constant Contact's activity_details (GET /v3/reports/contact_reports/{id}/...).

What it measures: with N events stored, the time a real uvicorn server takes to answer
``activity_details`` for random contacts, seen by one keep-alive HTTP client over loopback
(p50/p90/p99/max), for three request kinds:

* ``first/all``    first page, every Constant Contact type, limit 100, names included;
* ``first/clicks`` first page of the default type (``em_clicks``, ~8% of events: the filter
  must walk past most of the contact's events);
* ``deep``         pages 2.. of a walk through ``_links.next`` (limit 25, all types).

It also times the same reads in-process (the history query plus rendering, no HTTP), so the
HTTP overhead can be told apart, and prints the query plan (``--explain``).

The loader writes rows straight into the schema (accounts, contacts, mailings, links, events; no
aggregates, which activity_details never reads) in time order with random contacts, so one
contact's events are scattered through the table as in production. It is not the ingest path.

Run (small, default 200,000 events on SQLite, then on PostgreSQL):

    .venv/bin/python benchmarks/activity_details.py
    .venv/bin/python benchmarks/activity_details.py --backend postgresql

The issue's figure (30,000,000 events; loading takes a while, re-runs reuse the database):

    su postgres -c "createdb mailroom_bench_e"
    .venv/bin/python benchmarks/activity_details.py --events 30000000 --backend both

Options: --events, --contacts (default events/300), --requests, --sqlite-path, --pg-url,
--reload (rebuild even if the database already holds that many events), --explain.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from _server import ensure_database  # noqa: E402
from mailroom.accounts import passwords  # noqa: E402
from mailroom.accounts import repository as accounts_repository  # noqa: E402
from mailroom.accounts import service as accounts_service  # noqa: E402
from mailroom.activity import history  # noqa: E402
from mailroom.activity.types import CONSTANT_CONTACT_TYPES, EventType  # noqa: E402
from mailroom.db.database import Database  # noqa: E402
from mailroom.db.migrate import upgrade  # noqa: E402
from mailroom.db.tables import accounts, contacts, events, links, mailings  # noqa: E402
from mailroom.dialects.constantcontact import params, render  # noqa: E402
from mailroom.kit import ids  # noqa: E402
from mailroom.kit.clock import SystemClock  # noqa: E402

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_e"
ACCOUNT_CODE = "bench-activity-details"
YEAR_MS = 365 * 86_400_000
BATCH = 50_000

# Share of each type among stored events (roughly a newsletter's life).
MIX = [
    (EventType.EM_SENDS, 0.45),
    (EventType.EM_OPENS, 0.30),
    (EventType.EM_CLICKS, 0.08),
    (EventType.EM_BOUNCES, 0.02),
    (EventType.EM_OPTOUTS, 0.01),
    (EventType.EM_FORWARDS, 0.01),
    (EventType.P_CONTACT_OPEN, 0.06),
    (EventType.P_CONTACT_CLICK, 0.04),
    (EventType.P_CONTACT_ADD, 0.02),
    (EventType.EM_COMPLAINTS, 0.01),
]
DEVICE_DETAILS = [json.dumps({"device_type": d}) for d in ("desktop", "mobile", "tablet")]
BOUNCE_DETAILS = [json.dumps({"bounce_code": c, "bounce_type": "soft"}) for c in "BDFSZ"]


def _account_id(conn: Any) -> int:
    found = conn.execute(select(accounts.c.id).where(accounts.c.code == ACCOUNT_CODE)).scalar()
    if found is None:
        raise SystemExit("no benchmark account in this database")
    return int(found)


# --- loading ---------------------------------------------------------------------------------


def _event_rows(
    count: int, contact_ids: list[int], mailing_ids: list[int], link_ids: list[int], start_ms: int
) -> Any:
    """Event tuples in time order, spread over a year ending at ``start_ms + YEAR_MS``."""
    rng = random.Random(7)
    kinds = [int(t) for t, _ in MIX]
    weights = [w for _, w in MIX]
    step = YEAR_MS / max(count, 1)
    per_mailing = max(1, count // len(mailing_ids))
    for i in range(count):
        kind = rng.choices(kinds, weights)[0]
        at_ms = start_ms + int(i * step)
        machine = False
        details: str | None = None
        link_id = None
        if kind in (EventType.EM_OPENS, EventType.EM_CLICKS, EventType.P_CONTACT_CLICK):
            details = rng.choice(DEVICE_DETAILS)
            machine = kind == EventType.EM_OPENS and rng.random() < 0.2
            if kind != EventType.EM_OPENS:
                link_id = rng.choice(link_ids)
        elif kind == EventType.EM_BOUNCES:
            details = rng.choice(BOUNCE_DETAILS)
        mailing = (
            None
            if kind >= EventType.P_CONTACT_OPEN
            else mailing_ids[min(i // per_mailing, len(mailing_ids) - 1)]
        )
        yield (rng.choice(contact_ids), kind, at_ms, mailing, link_id, machine, details)


EVENT_COLUMNS = ("contact_id", "type", "at_ms", "mailing_id", "link_id", "machine", "details")


def load(db: Database, n_events: int, n_contacts: int) -> None:
    """A fresh account with contacts, mailings, links and `n_events` events."""
    clock = SystemClock()
    now_ms = clock.now_ms()
    start_ms = now_ms - YEAR_MS
    with db.write() as conn:
        old = conn.execute(select(accounts.c.id).where(accounts.c.code == ACCOUNT_CODE)).scalar()
        if old is not None:
            conn.execute(events.delete().where(events.c.account_id == old))
            conn.execute(accounts.delete().where(accounts.c.id == old))
        acc = accounts_service.create_account(conn, clock, "Bench", code=ACCOUNT_CODE)
        rows = [
            {
                "uid": ids.object_id(now_ms),
                "account_id": acc.account_id,
                "list_id": acc.default_list_id,
                "email": f"c{i}@bench.test",
                "created": now_ms // 1000,
                "modified": now_ms // 1000,
            }
            for i in range(n_contacts)
        ]
        for at in range(0, len(rows), BATCH):
            conn.execute(contacts.insert(), rows[at : at + BATCH])
        n_mailings = max(10, min(400, n_events // 50_000))
        conn.execute(
            mailings.insert(),
            [
                {
                    "account_id": acc.account_id,
                    "list_id": acc.default_list_id,
                    "name": f"Newsletter {i}",
                    "campaign_activity_id": str(uuid.uuid4()),
                    "created": now_ms // 1000,
                }
                for i in range(n_mailings)
            ],
        )
        conn.execute(
            links.insert(),
            [
                {
                    "account_id": acc.account_id,
                    "url": f"https://example.com/article/{i}",
                    "url_hash": f"{i:064x}",
                    "created": now_ms // 1000,
                }
                for i in range(500)
            ],
        )
        contact_ids = list(
            conn.execute(
                select(contacts.c.id).where(contacts.c.account_id == acc.account_id)
            ).scalars()
        )
        mailing_ids = list(
            conn.execute(
                select(mailings.c.id).where(mailings.c.account_id == acc.account_id)
            ).scalars()
        )
        link_ids = list(
            conn.execute(select(links.c.id).where(links.c.account_id == acc.account_id)).scalars()
        )
    fixed = {"account_id": acc.account_id, "list_id": acc.default_list_id}
    rows_iter = _event_rows(n_events, contact_ids, mailing_ids, link_ids, start_ms)
    started = time.perf_counter()
    with db.engine.connect() as conn:
        for index in events.indexes:  # rebuilt after the load: much faster than maintained
            if index.name and index.name.startswith("ix_events_contact"):
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        conn.commit()
    if db.is_sqlite:
        _load_sqlite(db, rows_iter, fixed, n_events)
    else:
        _load_postgresql(db, rows_iter, fixed, n_events)
    print(f"  events loaded in {time.perf_counter() - started:.0f} s; building the index...")
    started = time.perf_counter()
    with db.engine.connect() as conn:
        for index in events.indexes:
            if index.name and index.name.startswith("ix_events_contact"):
                index.create(conn)
        conn.commit()
    print(f"  index built in {time.perf_counter() - started:.0f} s; analysing...")
    _analyse(db)


def _progress(done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-9)
    print(f"  {done:,}/{total:,} events ({rate:,.0f}/s)", flush=True)


def _load_sqlite(db: Database, rows: Any, fixed: dict[str, int], total: int) -> None:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        sql = (
            "INSERT INTO events (account_id, list_id, source, "
            + ", ".join(EVENT_COLUMNS)
            + ") VALUES (?, ?, 9, ?, ?, ?, ?, ?, ?, ?)"
        )
        head = (fixed["account_id"], fixed["list_id"])
        started = time.perf_counter()
        done = 0
        while True:
            batch = [head + row for _, row in zip(range(BATCH), rows, strict=False)]
            if not batch:
                break
            cur.execute("BEGIN")
            cur.executemany(sql, batch)
            cur.execute("COMMIT")
            done += len(batch)
            if done % 1_000_000 < BATCH or done == total:
                _progress(done, total, started)
    finally:
        raw.close()


def _load_postgresql(db: Database, rows: Any, fixed: dict[str, int], total: int) -> None:
    raw = db.engine.raw_connection()
    try:
        pg: Any = raw.driver_connection
        head = (fixed["account_id"], fixed["list_id"], 9)
        columns = "account_id, list_id, source, " + ", ".join(EVENT_COLUMNS)
        started = time.perf_counter()
        done = 0
        with pg.cursor() as cur:
            with cur.copy(f"COPY events ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(head + row)
                    done += 1
                    if done % 1_000_000 == 0:
                        _progress(done, total, started)
            pg.commit()
        _progress(done, total, started)
    finally:
        raw.close()


def _analyse(db: Database) -> None:
    if db.is_sqlite:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=2000")
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        return
    raw = db.engine.raw_connection()
    try:
        pg: Any = raw.driver_connection
        pg.autocommit = True
        pg.execute("VACUUM ANALYZE events")
        pg.execute("ANALYZE")
    finally:
        raw.close()


def prepare(url: str, n_events: int, n_contacts: int, reload: bool) -> tuple[str, list[str]]:
    """The database at `url` holding the bench account: (a fresh token, sample contact uids)."""
    ensure_database(url)
    upgrade(url)
    db = Database(url)
    try:
        with db.read() as conn:
            acc = conn.execute(
                select(accounts.c.id).where(accounts.c.code == ACCOUNT_CODE)
            ).scalar()
            have = 0
            if acc is not None:
                have = conn.execute(
                    select(func.count()).select_from(events).where(events.c.account_id == acc)
                ).scalar_one()
        if reload or have != n_events:
            print(f"  loading {n_events:,} events for {n_contacts:,} contacts (had {have:,})")
            load(db, n_events, n_contacts)
        token = ids.token(24)
        with db.write() as conn:
            acc = _account_id(conn)
            accounts_repository.insert_token(
                conn,
                account_id=acc,
                user_id=None,
                token_hash=passwords.hash_token(token),
                scopes="contact_data",
                now=int(time.time()),
            )
            uids = list(
                conn.execute(
                    select(contacts.c.uid)
                    .where(contacts.c.account_id == acc)
                    .order_by(func.random())
                    .limit(2000)
                ).scalars()
            )
        return token, uids
    finally:
        db.dispose()


# --- measuring -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    """A real uvicorn (one process) on a free loopback port, serving the database at `url`."""
    port = _free_port()
    env = {
        **os.environ,
        "MAILROOM_DATABASE_URL": url,
        "MAILROOM_RATE_LIMIT_PER_MINUTE": "0",
        "MAILROOM_RATE_LIMIT_IN_FLIGHT": "0",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "mailroom.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/mailroom/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def _stats(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)

    def q(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return (
        f"  {name:<14} n={len(samples):>5}  p50 {q(0.50):6.2f} ms  p90 {q(0.90):6.2f} ms"
        f"  p99 {q(0.99):6.2f} ms  max {ordered[-1] * 1000:6.2f} ms"
        f"  mean {statistics.fmean(samples) * 1000:6.2f} ms"
    )


def measure_http(base: str, token: str, uids: list[str], requests: int) -> dict[str, list[float]]:
    rng = random.Random(11)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    path = "/v3/reports/contact_reports/{}/activity_details"
    all_types = ",".join(CONSTANT_CONTACT_TYPES)
    kinds = {
        "first/all": f"?tracking_activities_list={all_types}&limit=100",
        "first/clicks": "",
    }
    out: dict[str, list[float]] = {"first/all": [], "first/clicks": [], "deep": []}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for uid in uids[:50]:  # warm-up: connections, caches, compiled queries
            client.get(path.format(uid) + kinds["first/all"])
        for i in range(requests):
            uid = rng.choice(uids)
            for kind, query in kinds.items():
                started = time.perf_counter()
                response = client.get(path.format(uid) + query)
                out[kind].append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            if i % 10 == 0:  # a whole walk in pages of 25
                body = client.get(
                    path.format(uid) + f"?tracking_activities_list={all_types}&limit=25"
                ).json()
                while "_links" in body:
                    started = time.perf_counter()
                    response = client.get(body["_links"]["next"]["href"])
                    out["deep"].append(time.perf_counter() - started)
                    body = response.json()
    return out


def measure_in_process(url: str, uids: list[str], requests: int) -> list[float]:
    """The history query plus rendering, called directly (what the handler does minus HTTP)."""
    db = Database(url)
    rng = random.Random(13)
    query = params.parse_details([("tracking_activities_list", ",".join(CONSTANT_CONTACT_TYPES))])
    samples: list[float] = []
    try:
        with db.read() as conn:
            acc = _account_id(conn)
        for i in range(requests + 50):
            uid = rng.choice(uids)
            started = time.perf_counter()
            with db.read() as conn:
                key = history.contact_key(conn, acc, uid)
                assert key is not None
                page = history.event_page(conn, key, query.types, limit=100)
            json.dumps(render.activity_details(uid, query, page))
            if i >= 50:
                samples.append(time.perf_counter() - started)
    finally:
        db.dispose()
    return samples


def explain(url: str, uid: str) -> None:
    """The plan of the selective first page (em_clicks) for one contact."""
    db = Database(url)
    try:
        with db.read() as conn:
            acc = _account_id(conn)
            key = history.contact_key(conn, acc, uid)
            assert key is not None
            per_contact = conn.execute(
                select(func.count()).select_from(events).where(events.c.contact_id == key)
            ).scalar_one()
            query = history.event_page_query(after=False, with_names=True).params(
                history.event_page_params(key, [EventType.EM_CLICKS], 100, None)
            )
            sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
            print(f"  plan, one contact with {per_contact} events, em_clicks, limit 100:")
            for row in conn.execute(text(prefix + sql)):
                print("    " + " | ".join(str(c) for c in row))
    finally:
        db.dispose()


def run(url: str, label: str, args: argparse.Namespace) -> None:
    n_contacts = args.contacts or max(100, args.events // 300)
    print(f"\n== {label}: {args.events:,} events, {n_contacts:,} contacts")
    token, uids = prepare(url, args.events, n_contacts, args.reload)
    if args.explain:
        explain(url, uids[0])
    proc, base = serve(url)
    try:
        results = measure_http(base, token, uids, args.requests)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("  over HTTP (one keep-alive client, loopback, real uvicorn):")
    for name, samples in results.items():
        if samples:
            print(_stats(name, samples))
    inproc = measure_in_process(url, uids, args.requests)
    print("  in process (query + render, no HTTP):")
    print(_stats("first/all", inproc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=0, help="default: events / 300")
    parser.add_argument("--requests", type=int, default=500, help="per request kind")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--sqlite-path", default=str(ROOT / "bench-data" / "activity_details.db"))
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--reload", action="store_true", help="reload even if already loaded")
    parser.add_argument("--explain", action="store_true", help="print the query plan")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        run(f"sqlite:///{args.sqlite_path}", "SQLite", args)
    if args.backend in ("postgresql", "both"):
        run(args.pg_url, "PostgreSQL", args)


if __name__ == "__main__":
    main()
