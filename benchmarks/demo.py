"""How long `mailroom demo` takes to generate and load its data, phase by phase.

What it measures: `load_demo` (what `mailroom demo` runs) into a new database, timed by phase:
storing the chunks (contacts, events, per-contact totals; the producer process makes the next
chunks meanwhile), rebuilding the events' lookup index, the hourly counters, the chart rollups.
It prints wall time and CPU time (this process, and the producer process apart): on a shared
machine the wall time includes waiting for a core, the CPU time does not.

Baseline, with ``--rebuild-baseline``: after the load, the same totals recounted set-wise from
the stored events (`rebuild_aggregates`, what the loader ran before it counted while loading),
timed in the same run; the rows it writes are compared with the loaded ones.

Run (the database must not hold a demo account yet; a new file or database is simplest):

    .venv/bin/python benchmarks/demo.py --contacts 1000000 --events 30000000 \\
        --database sqlite:////work/bench-data/demo2/mailroom.db
    su postgres -c "createdb mailroom_demo"
    .venv/bin/python benchmarks/demo.py --contacts 200000 --events 6000000 \\
        --database postgresql://postgres:postgres@127.0.0.1:5432/mailroom_demo

Options: --contacts, --events, --database, --producer auto|yes|no, --rebuild-baseline.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from mailroom.activity import service as activity_service
from mailroom.charts import rollups
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.migrate import upgrade
from mailroom.db.tables import (
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    served_hourly,
)
from mailroom.demo import repository, service
from mailroom.demo.service import DemoSpec, load_demo
from mailroom.lists import service as lists_service

_wall: dict[str, float] = {}


def _timed(owner: Any, name: str, label: str) -> None:
    """Wrap `owner.name` so its calls add up under `label`."""
    inner: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return inner(*args, **kwargs)
        finally:
            _wall[label] = _wall.get(label, 0.0) + time.monotonic() - started

    setattr(owner, name, timed)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _rows(ctx: Context) -> list[list[tuple[Any, ...]]]:
    tables = (contact_totals, contact_mailing_totals, activity_hourly, served_hourly)
    with ctx.db.read() as conn:
        return [sorted(tuple(r) for r in conn.execute(select(t))) for t in tables]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--database", required=True, help="a URL; a new database is simplest")
    parser.add_argument("--producer", choices=("auto", "yes", "no"), default="auto")
    parser.add_argument("--rebuild-baseline", action="store_true")
    args = parser.parse_args()

    upgrade(args.database)
    ctx = Context(settings=Settings.from_env(), db=Database(args.database))
    _timed(service, "_store", "chunks stored (contacts, events, totals)")
    _timed(repository, "restore_event_lookups", "events' lookup index built")
    _timed(lists_service, "rebuild_hourly", "account hourly counters")
    _timed(rollups, "refresh", "chart rollups")
    producer = {"auto": None, "yes": True, "no": False}[args.producer]
    spec = DemoSpec(contacts=args.contacts, events=args.events)

    started, cpu_self = time.monotonic(), _cpu(resource.RUSAGE_SELF)
    result = load_demo(ctx, spec, producer=producer)
    wall = time.monotonic() - started
    cpu_self = _cpu(resource.RUSAGE_SELF) - cpu_self
    cpu_producer = _cpu(resource.RUSAGE_CHILDREN)
    if not result.created:
        raise SystemExit("the database already holds a demo account: use a new one")

    print(f"demo: {result.contacts:,} contacts, {result.events:,} events ({args.database})")
    print(f"  wall {wall:,.1f} s ({result.events / wall:,.0f} events/s)")
    print(f"  CPU  {cpu_self:,.1f} s loader + {cpu_producer:,.1f} s producer process")
    for label, seconds in _wall.items():
        print(f"    {label:<44} {seconds:8.1f} s")
    if args.rebuild_baseline:
        loaded = _rows(ctx)
        started = time.monotonic()
        with ctx.db.write() as conn:
            activity_service.rebuild_aggregates(conn, result.account_id)
        seconds = time.monotonic() - started
        same = "the same rows" if _rows(ctx) == loaded else "DIFFERENT rows"
        print(f"  baseline: rebuild_aggregates over the stored events {seconds:,.1f} s ({same})")


if __name__ == "__main__":
    main()
