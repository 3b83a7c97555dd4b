"""Benchmark: CSV contact import (rows/s) on SQLite and PostgreSQL, through the CLI's code path.

Generates a CSV of N contacts with typed custom fields (string, numeric, date, decimal), then
imports it with `mailroom.imports.contacts.import_contacts` (what `mailroom import contacts`
runs) into a fresh SQLite file and a fresh PostgreSQL schema, and prints rows/s. With
`--update-pass` it imports the same file again with overwrite (every row an update).
Target (issue): >= 50,000 rows/s on SQLite for 1,000,000 contacts.

    .venv/bin/python benchmarks/contacts_import.py --rows 1000000
    .venv/bin/python benchmarks/contacts_import.py --rows 20000 --backend sqlite
    .venv/bin/python benchmarks/contacts_import.py --help

The PostgreSQL database (default mailroom_bench_a) must exist; its `public` schema is dropped
and recreated.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from _server import ensure_database
from mailroom.accounts import service as accounts_service
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.engine import make_engine
from mailroom.db.migrate import upgrade
from mailroom.fields import service as fields_service
from mailroom.imports.contacts import import_contacts

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_a"
FIELDS = [
    {"name": "first_name", "title": "First name", "type": "string"},
    {"name": "age", "title": "Age", "type": "numeric"},
    {"name": "signup", "title": "Signup", "type": "date", "format": "dd/mm/yyyy"},
    {"name": "score", "title": "Score", "type": "numeric"},
]
NAMES = ["Ana", "Ben", "Chloé", "Dan", "Eve", "Farid", "Gus", "Hana", "Ivo", "Jun"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """A CSV of `rows` unique contacts, streamed to disk."""
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["email", *(f["name"] for f in FIELDS)])
        for i in range(rows):
            writer.writerow(
                [
                    f"user{i}.{rnd.randrange(10**6)}@example{i % 97}.com",
                    rnd.choice(NAMES),
                    rnd.randrange(18, 90),
                    f"{rnd.randrange(1, 29):02d}/{rnd.randrange(1, 13):02d}"
                    f"/{rnd.randrange(1990, 2025)}",
                    f"{rnd.random() * 100:.2f}",
                ]
            )


def fresh_database(url: str) -> str:
    """Reset the database at `url` to an empty migrated schema (creating it when missing)."""
    ensure_database(url)
    if url.startswith("postgres"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


def run(label: str, url: str, csv_path: Path, rows: int, batch: int, update_pass: bool) -> None:
    fresh_database(url)
    ctx = Context(settings=Settings(database_url=url), db=Database(url))
    with ctx.db.write() as conn:
        account = accounts_service.create_account(conn, ctx.clock, "Bench", password="bench")
        for spec in FIELDS:
            fields_service.create_field(
                conn, ctx.clock, account.account_id, account.default_list_id, spec
            )
    passes = [("create", False)] + ([("update", True)] if update_pass else [])
    for name, overwrite in passes:
        started = time.perf_counter()
        report = import_contacts(
            ctx, csv_path, account.default_list_id, overwrite=overwrite, batch_size=batch
        )
        seconds = time.perf_counter() - started
        print(
            f"{label:<10} {name:<6} {rows:>10,} rows  {seconds:7.2f} s"
            f"  {rows / seconds:>10,.0f} rows/s"
            f"  created {report.created:,} updated {report.updated:,} failed {report.failed:,}",
            flush=True,
        )
    ctx.db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="contacts in the CSV")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL database to reset and use")
    parser.add_argument("--batch", type=int, default=5000, help="rows per transaction")
    parser.add_argument("--update-pass", action="store_true", help="re-import with overwrite")
    parser.add_argument("--workdir", type=Path, default=None, help="where the CSV and DB go")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp)
        csv_path = folder / "contacts.csv"
        started = time.perf_counter()
        write_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"generated {args.rows:,} rows ({size_mb:.1f} MB)"
            f" in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        if args.backend in ("sqlite", "both"):
            run(
                "sqlite",
                f"sqlite:///{folder / 'bench.db'}",
                csv_path,
                args.rows,
                args.batch,
                args.update_pass,
            )
        if args.backend in ("postgresql", "both"):
            run("postgresql", args.pg_url, csv_path, args.rows, args.batch, args.update_pass)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
