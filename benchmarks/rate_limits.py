"""Cost per call of the shared (database-counted) per-minute rate limit.

What it measures: `RateLimiter.call` for one account at Ongage's default of 300 calls a minute,
`--calls` times, the clock moved a minute after every 300 calls, in three forms measured in
the same run: the in-memory count (one process's view, the baseline), the database count as
mailroom runs it (blocks of 1, 2, 4 ... 30 calls claimed at once), and the database count
claimed call by call (block of 1, what the blocks save). Prints microseconds per call and
claims (database writes) per call for each.

Run (small, both backends):

    su postgres -c "createdb mailroom_bench_hardening"
    .venv/bin/python benchmarks/rate_limits.py --calls 3000 --backend both
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mailroom.accounts import service as accounts_service  # noqa: E402
from mailroom.db.database import Database  # noqa: E402
from mailroom.db.migrate import upgrade  # noqa: E402
from mailroom.kit.clock import FrozenClock  # noqa: E402
from mailroom.web.ratelimit import Claim, RateLimiter, local_claim  # noqa: E402

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_hardening"
LIMIT = 300


def _database_claim(db: Database) -> Claim:
    with db.write() as conn:  # each form starts from an empty count
        conn.exec_driver_sql("DELETE FROM rate_counts")

    def claim(account_id: int, minute: int, calls: int) -> int:
        with db.write() as conn:
            return accounts_service.claim_calls(conn, account_id, minute, calls)

    return claim


def _run(claim: Claim, calls: int, one_by_one: bool) -> tuple[float, float]:
    clock = FrozenClock()
    limiter = RateLimiter(clock, LIMIT, 0, claim)
    if one_by_one:
        limiter_block = limiter._admit  # a block of 1 always: the claim per call

        def admit(account_id: int, limit: int, flight: int) -> tuple[int, int] | None:
            wanted = limiter_block(account_id, limit, flight)
            limiter._minutes[account_id].block = 1
            return wanted

        limiter._admit = admit  # type: ignore[method-assign]
    start = time.perf_counter()
    for n in range(calls):
        if n and n % LIMIT == 0:
            clock.advance(seconds=60)
        with limiter.call(1):
            pass
    elapsed = time.perf_counter() - start
    return elapsed / calls * 1e6, limiter.claims / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "sqlite":
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'limits.db'}"
        else:
            url = args.pg_url
        upgrade(url)
        db = Database(url)
        rows = [
            ("in memory (baseline)", _run(local_claim(), args.calls, False)),
            ("database, blocks", _run(_database_claim(db), args.calls, False)),
            ("database, per call", _run(_database_claim(db), args.calls, True)),
        ]
        db.dispose()
        print(f"{backend}: {args.calls} calls at {LIMIT}/min")
        for name, (us, writes) in rows:
            print(f"  {name:22} {us:8.1f} µs/call  {writes:.3f} claims/call")


if __name__ == "__main__":
    main()
