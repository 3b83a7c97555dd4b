"""Benchmark: the Ongage contacts API over HTTP against a real `mailroom serve` process.

What it measures, per backend (SQLite file, PostgreSQL), on a fresh database with a list of
four typed custom fields:

1. `POST /api/v2/contacts` with batches of `--batch` new contacts (default 500), sent over
   `--post-concurrency` keep-alive connections: contacts created per second (target >= 10,000).
2. `GET /api/contacts/by_email/<email>` for random existing contacts over `--concurrency`
   connections, after the table has settled (see `settle`): requests/s and client-side
   p50/p90/p99 (target >= 2,000 req/s, p99 <= 20 ms, one server process).

Ongage's per-account call limits are switched off in the server for the run
(MAILROOM_RATE_LIMIT_PER_MINUTE=0, MAILROOM_RATE_LIMIT_IN_FLIGHT=0); credentials are checked
as usual (argon2 once, then the credential cache). The load client runs in this process.

Small check:

    .venv/bin/python benchmarks/contacts_api.py --contacts 20000 --gets 5000

Full scale (alone on the machine):

    su postgres -c "createdb mailroom_bench_a"   # once
    .venv/bin/python benchmarks/contacts_api.py --contacts 500000 --gets 50000 --concurrency 8

Options: --backend sqlite|postgresql|both, --pg-url, --contacts, --batch, --post-concurrency,
--gets, --concurrency, --workers.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import Check, LoadResult, Request, Server, run_load
from contacts_import import FIELDS, NAMES, fresh_database
from mailroom.accounts import service as accounts_service
from mailroom.accounts.schemas import NewAccount
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.engine import make_engine
from mailroom.fields import service as fields_service

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_a"
NO_LIMITS = {"MAILROOM_RATE_LIMIT_PER_MINUTE": "0", "MAILROOM_RATE_LIMIT_IN_FLIGHT": "0"}


def prepare(url: str) -> NewAccount:
    fresh_database(url)
    db = Database(url)
    ctx = Context(settings=Settings(database_url=url), db=db)
    with ctx.db.write() as conn:
        account = accounts_service.create_account(conn, ctx.clock, "Bench", password="bench-pw")
        for spec in FIELDS:
            fields_service.create_field(
                conn, ctx.clock, account.account_id, account.default_list_id, spec
            )
    db.dispose()
    return account


def settle(url: str) -> None:
    """Let the freshly written table settle before the reads are timed, as it would in service.

    On PostgreSQL: VACUUM ANALYZE, which autovacuum would otherwise run during the reads (and
    which sets the new rows' visibility hints once instead of on first read). On SQLite: a WAL
    checkpoint.
    """
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if url.startswith("postgres"):
            conn.execute(text("VACUUM (ANALYZE) contacts"))
        else:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


def email_of(i: int) -> str:
    return f"api{i}@bench{i % 89}.example.com"


def contact(i: int, rnd: random.Random) -> dict[str, object]:
    return {
        "email": email_of(i),
        "fields": {
            "first_name": rnd.choice(NAMES),
            "age": rnd.randrange(18, 90),
            "signup": f"{rnd.randrange(1, 29):02d}/{rnd.randrange(1, 13):02d}/2020",
            "score": round(rnd.random() * 100, 2),
        },
    }


def created_all(size: int) -> Check:
    def check(status: int, body: bytes) -> bool:
        return status == 200 and json.loads(body)["payload"]["created"] == size

    return check


def run(label: str, url: str, args: argparse.Namespace) -> None:
    account = prepare(url)
    auth = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    rnd = random.Random(11)
    batches = []
    for start in range(0, args.contacts, args.batch):
        items = [contact(i, rnd) for i in range(start, min(start + args.batch, args.contacts))]
        body = json.dumps(items).encode()
        batches.append(
            (
                len(items),
                Request(
                    "POST", "/api/v2/contacts", {**auth, "Content-Type": "application/json"}, body
                ),
            )
        )
    with Server(url, workers=args.workers, env=NO_LIMITS) as server:
        # Warm-up: the first call pays argon2 and connection setup.
        run_load(server.port, [Request("GET", "/api/contacts/by_email/none@x.com", auth)], 1)
        cpu_before = server.cpu_seconds()
        posts: LoadResult = run_load(
            server.port,
            [r for _, r in batches],
            args.post_concurrency,
            created_all(args.batch) if args.contacts % args.batch == 0 else None,
        )
        cpu_after = server.cpu_seconds()
        sent = sum(n for n, _ in batches)
        per_contact = ""
        if cpu_before is not None and cpu_after is not None:
            per_contact = f"; server CPU {(cpu_after - cpu_before) / sent * 1e6:.0f} us/contact"
        print(
            f"{label:<10} POST v2/contacts x{args.batch}: {sent:,} contacts"
            f" in {posts.seconds:.2f} s = {sent / posts.seconds:,.0f} contacts/s"
            f" (batch p50 {posts.percentile_ms(0.5):.0f} ms,"
            f" p99 {posts.percentile_ms(0.99):.0f} ms;"
            f" statuses {dict(posts.statuses)}, failed checks {posts.failed_checks})"
            f"{per_contact}",
            flush=True,
        )
        settle(url)
        gets = [
            Request("GET", f"/api/contacts/by_email/{email_of(rnd.randrange(args.contacts))}", auth)
            for _ in range(args.gets)
        ]
        cpu_before = server.cpu_seconds()
        result = run_load(server.port, gets, args.concurrency, lambda s, _b: s == 200)
        cpu_after = server.cpu_seconds()
        cost = ""
        if cpu_before is not None and cpu_after is not None:
            cost = f"; server CPU {(cpu_after - cpu_before) / result.requests * 1e6:.0f} us/request"
        print(
            f"{label:<10} GET by_email (c={args.concurrency}): {result.summary()}{cost}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL database to reset and use")
    parser.add_argument("--contacts", type=int, default=200_000, help="contacts to POST")
    parser.add_argument("--batch", type=int, default=500, help="contacts per POST")
    parser.add_argument("--post-concurrency", type=int, default=2)
    parser.add_argument("--gets", type=int, default=20_000, help="by_email requests")
    parser.add_argument("--concurrency", type=int, default=8, help="connections for GETs")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--workdir", type=Path, default=None, help="where the SQLite file goes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        if args.backend in ("sqlite", "both"):
            run("sqlite", f"sqlite:///{Path(tmp) / 'api.db'}", args)
        if args.backend in ("postgresql", "both"):
            run("postgresql", args.pg_url, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
