"""Tracking-pixel throughput: requests/s and latency of `GET /t/o/{token}` on a real server.

What it measures: a `mailroom serve` process (uvicorn, `--workers` processes) answering open
pixels with signed tokens for random contacts of one mailing, hammered by `--concurrency`
keep-alive HTTP/1.1 connections over loopback (a light asyncio client in this process). Each
hit verifies the token and writes the open synchronously through the ingest path (event row,
contact/mailing/hourly aggregates) before the GIF is returned, so an answered pixel is never
lost. Prints tracking-pixel requests/s, p50/p90/p99 latency, and checks afterwards that every
answered request was stored as one open.

Run (small check, SQLite then PostgreSQL):

    .venv/bin/python benchmarks/tracking_pixel.py --requests 2000 --backend both

Full scale (run alone on the machine; the PostgreSQL database is created once):

    su postgres -c "createdb mailroom_bench_d"
    .venv/bin/python benchmarks/tracking_pixel.py --requests 50000 --concurrency 32 \
        --workers 2 --backend both

Options: --requests (the scale), --concurrency, --contacts, --workers, --backend
sqlite|postgresql|both, --sqlite-path, --pg-url.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from _server import ensure_database  # noqa: E402
from mailroom.accounts import service as accounts_service  # noqa: E402
from mailroom.activity.types import EventType  # noqa: E402
from mailroom.db.database import Database  # noqa: E402
from mailroom.db.migrate import upgrade  # noqa: E402
from mailroom.db.tables import contacts, events  # noqa: E402
from mailroom.kit import ids  # noqa: E402
from mailroom.kit.clock import SystemClock  # noqa: E402
from mailroom.mailings import service as mailings_service  # noqa: E402
from mailroom.tracking.links import Recipient, TrackingLinks  # noqa: E402
from mailroom.tracking.tokens import Signer  # noqa: E402

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_d"
SECRET = "tracking-pixel-benchmark-secret"
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Thunderbird/128.0"


def prepare(url: str, n_contacts: int, n_tokens: int) -> tuple[int, list[str]]:
    """A fresh account with contacts and a mailing; open-pixel paths for random contacts."""
    ensure_database(url)
    upgrade(url)
    db = Database(url)
    clock = SystemClock()
    now_ms = clock.now_ms()
    with db.write() as conn:
        acc = accounts_service.create_account(conn, clock, f"Pixel bench {now_ms}")
        mailing = mailings_service.create_mailing(conn, clock, acc.account_id, "Pixel bench")
        rows = [
            {
                "uid": ids.object_id(now_ms),
                "account_id": acc.account_id,
                "list_id": acc.default_list_id,
                "email": f"p{i}@{acc.account_code}.bench",
                "created": now_ms // 1000,
                "modified": now_ms // 1000,
            }
            for i in range(n_contacts)
        ]
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(contacts), rows[start : start + 10_000])
    db.dispose()
    links = TrackingLinks(Signer(SECRET), "http://bench", clock)
    rng = random.Random(5)
    uids = [r["uid"] for r in rows]
    paths = [
        links.open_url(Recipient(acc.account_id, rng.choice(uids), mailing)).removeprefix(
            "http://bench"
        )
        for _ in range(n_tokens)
    ]
    return acc.account_id, paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MAILROOM_DATABASE_URL": url,
        "MAILROOM_SECRET_KEY": SECRET,
        "PYTHONPATH": str(ROOT / "src"),
    }
    cmd = [sys.executable, "-m", "mailroom", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/mailroom/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start within 60 s")


async def _connection(
    port: int, paths: list[str], latencies: list[float], failures: list[str]
) -> None:
    """One keep-alive connection sending its share of requests one after another."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for path in paths:
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {USER_AGENT}\r\n"
                "X-Forwarded-For: 203.0.113.20\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != b"200" or not body.startswith(b"GIF89a"):
                failures.append(status.decode())
    finally:
        writer.close()


async def hammer(
    port: int, paths: list[str], concurrency: int
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    failures: list[str] = []
    shares = [paths[i::concurrency] for i in range(concurrency)]
    started = time.perf_counter()
    await asyncio.gather(*(_connection(port, s, latencies, failures) for s in shares if s))
    return latencies, failures, time.perf_counter() - started


def stored_opens(url: str, account_id: int) -> int:
    db = Database(url)
    with db.read() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(events)
            .where(events.c.account_id == account_id, events.c.type == int(EventType.EM_OPENS))
        ).scalar()
    db.dispose()
    return int(count or 0)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(backend: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    warmup = min(200, args.requests // 10)
    account_id, paths = prepare(url, args.contacts, args.requests + warmup)
    port = free_port()
    server = start_server(url, port, args.workers)
    try:
        asyncio.run(hammer(port, paths[:warmup], min(args.concurrency, 4)))
        latencies, failures, elapsed = asyncio.run(hammer(port, paths[warmup:], args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = stored_opens(url, account_id)
    return {
        "backend": backend,
        "requests": len(latencies),
        "failures": len(failures),
        "rps": len(latencies) / elapsed,
        "p50": pct(latencies, 0.50),
        "p90": pct(latencies, 0.90),
        "p99": pct(latencies, 0.99),
        "mean": statistics.fmean(latencies) * 1000,
        "stored": stored,
        "expected": args.requests + warmup,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="pixel hits (the scale)")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--sqlite-path", default=None, help="default: a fresh temporary file")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()

    targets: list[tuple[str, str]] = []
    if args.backend in ("sqlite", "both"):
        path = args.sqlite_path or str(Path(tempfile.mkdtemp(prefix="pixel-bench-")) / "bench.db")
        targets.append(("sqlite", f"sqlite:///{path}"))
    if args.backend in ("postgresql", "both"):
        targets.append(("postgresql", args.pg_url))

    print(
        f"tracking pixel: {args.requests} requests, {args.concurrency} connections, "
        f"{args.workers} worker(s), {args.contacts} contacts"
    )
    print(
        f"{'backend':<11} {'requests/s':>10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
        f"{'mean ms':>8} {'failed':>6} {'stored':>13}"
    )
    for backend, url in targets:
        r = run(backend, url, args)
        print(
            f"{r['backend']:<11} {r['rps']:>10.0f} {r['p50']:>8.1f} {r['p90']:>8.1f} "
            f"{r['p99']:>8.1f} {r['mean']:>8.1f} {r['failures']:>6} "
            f"{r['stored']:>6}/{r['expected']:<6}"
        )
        print(f"tracking-pixel requests/s ({backend}): {r['rps']:.0f}")


if __name__ == "__main__":
    main()
