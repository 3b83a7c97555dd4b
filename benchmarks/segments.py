"""Segment counts on the demo data: the criteria compiler against hand-written SQL.

What it measures: on a `mailroom demo` database, the time to count a segment's contacts by
status (``POST /api/contact_counts {"segment_id": ...}``'s work: compile the saved criteria,
one GROUP BY status query, keep `last_count`), for these segments of the demo's default list:

* ``3 rules``      country = United States, score >= 50, opened any mailing (people's opens,
                   from the per-contact totals);
* ``3 rules, 30d`` the same with "opened in the last 30 days" (a probe of the events index
                   per contact);
* ``nested``       a segment holding the first one plus email ends with gmail.com.

Each is timed in process (the service call, median of --repeat after one warm-up) twice: on
the main database alone, and as the server answers it, on the columnar replica of the contacts
and events (DuckDB, `<database>.replica.duckdb` beside a SQLite database; made or caught up
first, which is not timed). Then over HTTP against a real `mailroom serve` (client-side,
median). Beside each, in the same run, the same answer from hand-written SQL on the main
database and hand-written DuckDB SQL on the replica: the floors the compiler is held to.
Wall-clock time on a shared machine measures the wait for a CPU too, so the CPU time of the
work is printed as well (this process on SQLite; the backend on PostgreSQL, run without
parallel workers for that figure).

Run (generates the demo data when the database has none; 1,000,000 contacts take minutes):

    .venv/bin/python benchmarks/segments.py --database sqlite:////tmp/demo.db --contacts 1000000
    MAILROOM_REPLICA_PATH=/tmp/demo-pg.replica.duckdb \
        .venv/bin/python benchmarks/segments.py --database postgresql://postgres:postgres@127.0.0.1/demo

On PostgreSQL the replica is `MAILROOM_REPLICA_PATH` (else ./mailroom-replica.duckdb); build it
first with `mailroom replica rebuild` (same variables), or the first catch-up copies every event.

Options: --database, --contacts and --events (for generation), --repeat, --no-http.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Server  # noqa: E402
from mailroom.config import Settings  # noqa: E402
from mailroom.context import Context  # noqa: E402
from mailroom.db.database import Database  # noqa: E402
from mailroom.db.tables import accounts  # noqa: E402
from mailroom.kit.clock import SystemClock  # noqa: E402
from mailroom.replica import service as replica_service  # noqa: E402
from mailroom.replica import store as replica_store  # noqa: E402
from mailroom.segments import service as segments_service  # noqa: E402

THREE = [
    {"field_name": "country", "type": "string", "operator": "=", "operand": ["United States"]},
    {"field_name": "score", "type": "numeric", "operator": ">=", "operand": [50]},
    {"field_name": "opened", "type": "behavioral", "operator": "=", "operand": {}},
]
WINDOWED = [*THREE[:2], {**THREE[2], "operand": {"days": 30}}]

HAND_SQLITE = """
SELECT status, count(*) FROM contacts
WHERE list_id = :list_id AND account_id = :account_id
  AND lower(json_extract(fields, '$.country')) = 'united states'
  AND json_extract(fields, '$.score') >= 50
  AND EXISTS (SELECT 1 FROM contact_totals t WHERE t.contact_id = contacts.id AND t.opens > 0)
GROUP BY status
"""
HAND_PG = """
SELECT status, count(*) FROM contacts
WHERE list_id = :list_id AND account_id = :account_id
  AND lower(fields->>'country') = 'united states'
  AND (fields->>'score')::float8 >= 50
  AND EXISTS (SELECT 1 FROM contact_totals t WHERE t.contact_id = contacts.id AND t.opens > 0)
GROUP BY status
"""
# The replica keeps the JSON fields as text and no per-contact totals: a contact opened any
# mailing when its period totals count an open or a newer event is one (one set of ids, the
# cheaper form in DuckDB than two correlated EXISTS).
DUCKDB_FIELDS = """
SELECT status, count(*) FROM contacts c
WHERE list_id = $list_id AND account_id = $account_id
  AND lower(json_extract_string(fields, '$.country')) = 'united states'
  AND TRY_CAST(json_extract_string(fields, '$.score') AS DOUBLE) >= 50
"""
HAND_DUCKDB = (
    DUCKDB_FIELDS
    + """  AND c.id IN (
    SELECT contact_id FROM contact_periods WHERE opens > 0
    UNION ALL SELECT contact_id FROM events WHERE type = 2 AND NOT machine AND id > $through)
GROUP BY status
"""
)
HAND_DUCKDB_WINDOW = (
    DUCKDB_FIELDS
    + """  AND EXISTS (
    SELECT 1 FROM events e WHERE e.contact_id = c.id AND e.type = 2 AND e.at_ms >= $since
      AND NOT e.machine)
GROUP BY status
"""
)
WINDOW = """
SELECT status, count(*) FROM contacts c
WHERE list_id = $list_id AND account_id = $account_id
  AND lower(json_extract_string(fields, '$.country')) = 'united states'
  AND TRY_CAST(json_extract_string(fields, '$.score') AS DOUBLE) >= 50
  AND EXISTS (SELECT 1 FROM events e WHERE e.contact_id = c.id AND e.type = 2
              AND e.at_ms >= $since AND NOT e.machine)
GROUP BY status
"""
WINDOW = """
  AND EXISTS (SELECT 1 FROM events e WHERE e.contact_id = contacts.id AND e.type = 2
              AND e.at_ms >= :since AND e.machine = false)
"""


def generate(url: str, contacts: int, events: int | None) -> None:
    env = {**os.environ, "MAILROOM_DATABASE_URL": url}
    mailroom = [sys.executable, "-m", "mailroom"]
    subprocess.run([*mailroom, "db", "upgrade"], env=env, check=True)
    command = [*mailroom, "demo", "--contacts", str(contacts), "--no-progress"]
    if events is not None:
        command += ["--events", str(events)]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"generated {contacts:,} contacts in {time.perf_counter() - started:.0f} s")


def median_s(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    answer = fn()  # warm-up; its answer is the one compared
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def cpu_s(conn: Any) -> float:
    """CPU seconds so far of whoever runs this connection's queries: this process on SQLite,
    the connection's backend on PostgreSQL (read from /proc: the database must be local)."""
    if conn.dialect.name != "postgresql":
        return time.process_time()
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_run(db: Database, run: Callable[[Any], Any], repeat: int) -> float:
    """Median CPU seconds of `run(conn)`. On a machine others share, wall-clock time measures
    the queue for the CPU as much as the work; this does not. PostgreSQL runs it without
    parallel workers here, so that one backend does (and is charged with) all the work."""
    spent = []
    for _ in range(repeat):
        with db.write() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
            before = cpu_s(conn)
            run(conn)
            spent.append(cpu_s(conn) - before)
    return statistics.median(spent)


def segment(db: Database, account_id: int, list_id: int, name: str, criteria: Any) -> int:
    with db.write() as conn:
        row = segments_service.create_segment(
            conn, SystemClock(), account_id, list_id, {"name": name, "criteria": criteria}
        )
    return int(row.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite:////tmp/mailroom-demo-segments.db")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()

    db = Database(args.database)
    try:
        with db.read() as conn:
            demo = conn.execute(select(accounts).where(accounts.c.code == "demo")).first()
    except Exception:  # no schema yet
        demo = None
    if demo is None:
        db.dispose()
        generate(args.database, args.contacts, args.events)
        db = Database(args.database)
        with db.read() as conn:
            demo = conn.execute(select(accounts).where(accounts.c.code == "demo")).one()
    account_id, list_id = int(demo.id), int(demo.default_list_id)
    with db.read() as conn:
        size = conn.execute(
            text("SELECT count(*) FROM contacts WHERE list_id = :l"), {"l": list_id}
        ).scalar_one()
    print(f"{args.database}: default list {list_id} holds {size:,} contacts")

    three = segment(db, account_id, list_id, "bench: 3 rules", THREE)
    windowed = segment(db, account_id, list_id, "bench: 3 rules, 30 days", WINDOWED)
    nested_rules = [
        {"field_name": "segment", "type": "segment", "operator": "=", "operand": [three]},
        {"field_name": "email", "type": "email", "operator": "_LIKE", "operand": ["gmail.com"]},
    ]
    nested = segment(db, account_id, list_id, "bench: nested", nested_rules)

    hand_sql = HAND_PG if db.engine.dialect.name == "postgresql" else HAND_SQLITE
    since = SystemClock().now_ms() - 30 * 86_400_000
    params = {"list_id": list_id, "account_id": account_id, "since": since}

    def hand_in(sql: str) -> Callable[[Any], dict[str, int]]:
        def run(conn: Any) -> dict[str, int]:
            return {str(s): int(n) for s, n in conn.execute(text(sql), params)}

        return run

    def service_in(segment_id: int, on: Context | None = None) -> Callable[[Any], dict[str, int]]:
        def run(conn: Any) -> dict[str, int]:
            counts = segments_service.count_segment(conn, SystemClock(), account_id, segment_id, on)
            return {k: v for k, v in dataclasses.asdict(counts).items() if v}

        return run

    def by_hand(sql: str) -> Callable[[], dict[str, int]]:
        def run() -> dict[str, int]:
            with db.read() as conn:
                return hand_in(sql)(conn)

        return run

    def by_service(segment_id: int, on: Context | None = None) -> Callable[[], dict[str, int]]:
        def run() -> dict[str, int]:
            with db.read() as conn:
                return service_in(segment_id, on)(conn)

        return run

    settings = Settings.from_env(database_url=args.database)  # MAILROOM_REPLICA_PATH honoured
    ctx = Context(settings=settings, db=db, clock=SystemClock())
    started = time.perf_counter()
    replica_service.catch_up(ctx)
    replica_service.refresh_rollup(ctx)
    took_s = time.perf_counter() - started
    print(f"replica caught up and its period totals refreshed in {took_s:.1f} s")
    replica = replica_store.path_of(ctx.settings)

    def by_duckdb(sql: str) -> Callable[[], dict[str, int]]:
        def run() -> dict[str, int]:
            with replica_store.connect(replica) as duck:
                through = replica_service.rollup_through(duck)
                values = {**params, "through": through}
                used = {k: v for k, v in values.items() if f"${k}" in sql}
                return {str(s): int(n) for s, n in duck.execute(sql, used).fetchall()}

        return run

    cases = [
        ("3 rules", three, hand_sql, HAND_DUCKDB),
        ("3 rules, 30d", windowed, hand_sql.replace("GROUP BY", WINDOW + "GROUP BY"),
         HAND_DUCKDB_WINDOW),
        ("nested", nested, None, None),
    ]  # fmt: skip
    print("on the replica (as the server answers):")
    print(f"{'segment':<14} {'service':>9} {'hand DuckDB':>12}  matching")
    for name, segment_id, _, duck_sql in cases:
        took, answer = median_s(by_service(segment_id, ctx), args.repeat)
        line = f"{name:<14} {took * 1000:>7.0f}ms"
        same = ""
        if duck_sql is not None:
            hand_took, hand_answer = median_s(by_duckdb(duck_sql), args.repeat)
            if not _same(answer, hand_answer):
                same = f"  (hand DuckDB says {hand_answer})"
            line += f" {hand_took * 1000:>10.0f}ms"
        else:
            line += f" {'-':>12}"
        print(f"{line}  {sum(answer.values()):,} {json.dumps(answer)}{same}")
    replica_store.release_all()
    print("on the main database alone (MAILROOM_ANALYTICS=main):")
    print(f"{'segment':<14} {'service':>9} {'hand SQL':>9} {'cpu':>7} {'hand cpu':>9}  matching")
    for name, segment_id, sql, _ in cases:
        took, answer = median_s(by_service(segment_id), args.repeat)
        cpu = cpu_per_run(db, service_in(segment_id), args.repeat)
        line = f"{name:<14} {took * 1000:>7.0f}ms"
        same = ""
        if sql is not None:
            sql = sql.replace(":since", str(since))
            hand_took, hand_answer = median_s(by_hand(sql), args.repeat)
            hand_cpu = cpu_per_run(db, hand_in(sql), args.repeat)
            if not _same(answer, hand_answer):
                same = f"  (hand SQL says {hand_answer})"
            line += f" {hand_took * 1000:>7.0f}ms {cpu * 1000:>5.0f}ms {hand_cpu * 1000:>7.0f}ms"
        else:
            line += f" {'-':>9} {cpu * 1000:>5.0f}ms {'-':>9}"
        print(f"{line}  {sum(answer.values()):,} {json.dumps(answer)}{same}")
    print("service/hand SQL: wall-clock medians; cpu: CPU time of the work (see cpu_per_run)")

    if not args.no_http:
        with Server(args.database, env={"MAILROOM_RATE_LIMIT_PER_MINUTE": "0"}) as server:
            headers = {"X_USERNAME": "demo@mailroom.local", "X_PASSWORD": "demo-password",
                       "X_ACCOUNT_CODE": "demo"}  # fmt: skip
            with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=120) as client:
                for name, segment_id, _, _ in cases:

                    def post(segment_id: int = segment_id) -> Any:
                        response = client.post(
                            "/api/contact_counts", json={"segment_id": segment_id}, headers=headers
                        )
                        response.raise_for_status()
                        return response.json()["payload"]["total"]

                    took, total = median_s(post, args.repeat)
                    shown = f"{took * 1000:.0f} ms, {total:,}"
                    print(f"HTTP POST /api/contact_counts ({name}): {shown}")

    with db.write() as conn:
        for segment_id in (nested, windowed, three):
            segments_service.delete_segment(conn, account_id, segment_id)
    db.dispose()


def _same(service: dict[str, int], hand: dict[str, int]) -> bool:
    return {k: v for k, v in service.items() if v} == {k: v for k, v in hand.items() if v}


if __name__ == "__main__":
    main()
