"""Latency of Tellody's ContactChart (POST /CampaignCloud/Report/ContactChart) on demo data.

What it measures: a real `mailroom serve` process holding the demo account (`mailroom demo`: a
year of mailings, opens, clicks, opt-outs), one keep-alive `requests.Session` signed in as
Tellody's clients sign in (ping, login), and the chart for a UTC+3 caller:

* ``hour/day``    the last local day with sends before today, 24 buckets: a closed window,
  cached after its first call;
* ``week/year``   this local calendar year, weeks from Sunday (53 buckets): an open window;
* ``month/year``  this local calendar year, 12 buckets: an open window.

For each: the first call after the server started, then ``--repeat`` more (p50, p95, max), and
the CPU time the server process spent per repeated call (Linux /proc): on a shared machine the
wall-clock figures include waiting for a core, the CPU figures do not.
Open windows are computed on every call; a closed one is answered from the process's cache
until the events' watermark moves. In process it also times the chart computed without any
cache (the counters' queries alone), and, as the baseline, ``contactsServed`` counted straight
from the raw events (``count(DISTINCT contact_id)`` per bucket, what the chart would cost
without ``served_hourly``).

Run (the demo load is the slow part; re-runs reuse the database):

    .venv/bin/python benchmarks/contact_chart.py --contacts 200000
    su postgres -c "createdb mailroom_bench_t"
    .venv/bin/python benchmarks/contact_chart.py --contacts 200000 --backend postgresql

Options: --contacts, --events (default 20 per contact), --repeat, --backend, --sqlite-path,
--pg-url, --reload (load the demo again even if present), --skip-baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

from _server import ROOT, Server
from mailroom.charts import service as charts_service
from mailroom.charts.calendar import Window, boundaries
from mailroom.db.database import Database
from mailroom.kit.clock import SystemClock

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_t"
CALLER = timezone(timedelta(hours=3))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def windows(busy_hour_s: int | None = None) -> dict[str, Window]:
    """The three windows, for a UTC+3 caller; the day is the one holding ``busy_hour_s`` (the
    last hour with sends before today), else yesterday."""
    now = datetime.now(CALLER)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = today - timedelta(days=1)
    if busy_hour_s is not None:
        busy = datetime.fromtimestamp(busy_hour_s, CALLER)
        day = busy.replace(hour=0, minute=0, second=0, microsecond=0)
    year = today.replace(month=1, day=1)
    next_year = year.replace(year=year.year + 1)
    return {
        "hour/day": Window(_ms(day), _ms(day + timedelta(days=1)) - 1, "hour", "day", 0),
        "week/year": Window(_ms(year), _ms(next_year) - 1, "week", "year", 0),
        "month/year": Window(_ms(year), _ms(next_year) - 1, "month", "year", 0),
    }


def busy_hour(url: str) -> int | None:
    """The last UTC hour before today (UTC+3) in which the demo sent mail."""
    today = datetime.now(CALLER).replace(hour=0, minute=0, second=0, microsecond=0)
    db = Database(url)
    try:
        with db.read() as conn:
            found = conn.execute(
                text("SELECT max(hour) FROM served_hourly WHERE hour < :today"),
                {"today": int(today.timestamp())},
            ).scalar()
    finally:
        db.dispose()
    return int(found) if found is not None else None


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "MAILROOM_DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}


def prepare(url: str, contacts: int, events: int | None, reload: bool) -> dict[str, int]:
    """The demo account in the database (loaded unless already there); its row counts."""
    run = [sys.executable, "-m", "mailroom"]
    subprocess.run([*run, "db", "upgrade"], env=_env(url), check=True, capture_output=True)
    db = Database(url)
    try:
        with db.read() as conn:
            found = conn.execute(
                text(
                    "SELECT count(*) FROM contacts WHERE account_id ="
                    " (SELECT id FROM accounts WHERE code = 'demo')"
                )
            ).scalar_one()
    finally:
        db.dispose()
    if reload or found < contacts:
        cmd = [*run, "demo", "--contacts", str(contacts), "--reset", "--no-progress"]
        if events is not None:
            cmd += ["--events", str(events)]
        started = time.monotonic()
        subprocess.run(cmd, env=_env(url), check=True, stdout=subprocess.DEVNULL)
        print(f"  demo loaded in {time.monotonic() - started:.0f} s")
    db = Database(url)
    try:
        with db.read() as conn:
            return {
                name: int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
                for name in ("contacts", "events", "account_hourly", "served_hourly")
            }
    finally:
        db.dispose()


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):7.2f} ms  p95 {p95:7.2f} ms  max {ordered[-1]:7.2f} ms"


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def measure_http(url: str, repeat: int, chosen: dict[str, Window]) -> None:
    # No job worker inside the server: its periodic work (the events replica catching up with
    # millions of demo events, rollups) would be timed with the chart.
    env = {"MAILROOM_RATE_LIMIT_PER_MINUTE": "0", "MAILROOM_INPROCESS_WORKER": "0"}
    with Server(url, env=env) as server:
        session = requests.Session()
        ping = session.get(f"{server.url}/CampaignCloud/RememberMeController/ping")
        token = ping.headers["X-XSRF-TOKEN"]
        login = session.post(
            f"{server.url}/CampaignCloud/login",
            data={"username": "demo@mailroom.local", "password": "demo-password"},
            headers={"Content-Type": "application/json", "X-XSRF-TOKEN": token},
        )
        assert login.status_code == 200, login.text
        print("  over HTTP (requests.Session, loopback, one uvicorn process):")
        for name, w in chosen.items():
            body = {"from": w.from_ms, "to": w.to_ms, "unit": w.unit, "window": w.window, "dow": 0}

            def call(body: dict[str, Any] = body) -> Any:
                response = session.post(
                    f"{server.url}/CampaignCloud/Report/ContactChart",
                    json=body,
                    headers={"X-XSRF-TOKEN": token},
                )
                assert response.status_code == 200, response.text
                return response.json()

            first, chart = _timed(call)
            cpu_before = server.cpu_seconds()
            samples = [_timed(call)[0] for _ in range(repeat)]
            cpu_after = server.cpu_seconds()
            cpu = ""
            if cpu_before is not None and cpu_after is not None:
                cpu = f" | server CPU {(cpu_after - cpu_before) * 1000 / repeat:5.2f} ms/call"
            totals = {key: sum(values) for key, values in chart.items()}
            print(f"    {name:<10} first {first:7.2f} ms | repeated {_stats(samples)}{cpu}")
            print(f"    {'':<10} {len(chart['contactsAdded'])} buckets, sums {totals}")


def _served_from_events(conn: Any, account_id: int, w: Window) -> list[int]:
    """The baseline: distinct contacts sent to per bucket, straight from the raw events."""
    starts = boundaries(w)
    cases = " ".join(f"WHEN at_ms < {starts[k + 1]} THEN {k}" for k in range(len(starts) - 1))
    sql = (
        f"SELECT CASE {cases} END AS k, count(DISTINCT contact_id) FROM events"
        f" WHERE account_id = :a AND type = 1 AND at_ms >= :lo AND at_ms < :hi GROUP BY k"
    )
    rows = dict(conn.execute(text(sql), {"a": account_id, "lo": starts[0], "hi": starts[-1]}).all())
    return [int(rows.get(k, 0)) for k in range(len(starts) - 1)]


def measure_in_process(
    url: str, repeat: int, chosen: dict[str, Window], skip_baseline: bool
) -> None:
    db = Database(url)
    clock = SystemClock()
    try:
        with db.read() as conn:
            account_id = conn.execute(
                text("SELECT id FROM accounts WHERE code = 'demo'")
            ).scalar_one()
        print("  in process, no cache (the counters' queries) | baseline: served from events:")
        for name, w in chosen.items():

            def chart(w: Window = w) -> Any:
                with db.read() as conn:
                    return charts_service.contact_chart(conn, clock, account_id, w)

            first, result = _timed(chart)
            cpu_before = time.process_time()
            samples = [_timed(chart)[0] for _ in range(repeat)]
            cpu_ms = (time.process_time() - cpu_before) * 1000 / repeat
            baseline = ""
            if not skip_baseline:
                with db.read() as conn:
                    base_ms, served = _timed(lambda w=w: _served_from_events(conn, account_id, w))
                same = "equal" if served == result.contacts_served else "DIFFERENT"
                baseline = f" | baseline {base_ms:9.1f} ms ({same})"
            print(
                f"    {name:<10} first {first:7.2f} ms | repeated {_stats(samples)}"
                f" | CPU {cpu_ms:5.2f} ms/call{baseline}"
            )
    finally:
        db.dispose()


def run(url: str, label: str, args: argparse.Namespace) -> None:
    print(f"\n== {label}: demo with {args.contacts:,} contacts")
    counts = prepare(url, args.contacts, args.events, args.reload)
    print("  rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    chosen = windows(busy_hour(url))
    day = datetime.fromtimestamp(chosen["hour/day"].from_ms / 1000, CALLER)
    print(f"  caller UTC+3; the day: {day:%Y-%m-%d}; the year: {datetime.now(CALLER).year}")
    measure_http(url, args.repeat, chosen)
    measure_in_process(url, args.repeat, chosen, args.skip_baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=None, help="default: 20 per contact")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--sqlite-path", default=str(ROOT / "bench-data" / "contact_chart.db"))
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--reload", action="store_true", help="load the demo again")
    parser.add_argument("--skip-baseline", action="store_true", help="skip the raw-events count")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
        run(f"sqlite:///{args.sqlite_path}", "SQLite", args)
    if args.backend in ("postgresql", "both"):
        run(args.pg_url, "PostgreSQL", args)


if __name__ == "__main__":
    main()
