"""Use cases of the replica: catch up with the main database, rebuild it, say how fresh it is."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mailroom.config import Settings
from mailroom.context import Context
from mailroom.replica import feed, repository, rollup, store

log = logging.getLogger("mailroom.replica")

Progress = Callable[[int], None]  # events copied since the last call


@dataclass(frozen=True)
class Caught:
    """Where a catch-up left the replica."""

    events: int  # events appended
    through: int  # the event id the replica has read up to


def enabled_by(settings: Settings) -> bool:
    return settings.analytics != "main"


def enabled(ctx: Context) -> bool:
    return enabled_by(ctx.settings)


def catch_up(
    ctx: Context, *, max_rounds: int = 1_000_000, progress: Progress | None = None
) -> Caught:
    """Feed rounds until a round finds nothing new; rebuild if the replica fell too far behind."""
    try:
        return _catch_up(ctx, max_rounds, progress)
    except feed.NeedsRebuild as exc:
        log.warning("replica: %s; rebuilding it", exc)
        return rebuild(ctx, progress)


@dataclass(frozen=True)
class _Seen:
    """What this process's last feed of one replica saw: the main database's newest ids, the
    replica file as it left it, and whether gaps in the events' ids await late commits."""

    high: dict[str, int]
    file: tuple[int, int, int] | None
    holes: bool


_seen: dict[tuple[str, str], _Seen] = {}


def _file_state(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def feed_if_moved(ctx: Context) -> bool:
    """`catch_up`, unless nothing moved since this process's last feed: no log of the main
    database grew, the replica file is as that feed left it, and no gap in the events' ids
    awaits a late commit. An idle server then reads four maximums a second instead of opening
    (and checkpointing) DuckDB. Whether it fed."""
    path = store.path_of(ctx.settings)
    key = (ctx.settings.database_url, str(path))
    with ctx.db.read() as conn:
        high = repository.high_ids(conn)
    last, state = _seen.get(key), _file_state(path)
    moved = last is None or state is None or (last.high, last.file) != (high, state)
    if not moved and last is not None and not last.holes:
        return False
    catch_up(ctx)
    with store.connect(path) as duck:
        holes = feed.pending_holes(duck)
    _seen[key] = _Seen(high, _file_state(path), holes)
    return True


@contextmanager
def caught_up(ctx: Context, *, wait_s: float) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """The replica, caught up with every commit so far, for a question asked now; None when it
    cannot answer within `wait_s`: analytics run on the main database, no replica was made on
    this machine yet, it is held that long elsewhere, or it needs a rebuild."""
    path = store.path_of(ctx.settings)
    if not enabled(ctx) or not path.exists():
        yield None
        return
    with ExitStack() as stack:
        duck: duckdb.DuckDBPyConnection | None
        try:
            duck = stack.enter_context(store.connect(path, wait_s=wait_s))
            catch_up_in(ctx, duck, trim=False)  # a question writes nothing; the worker trims
        except (store.Busy, feed.NeedsRebuild) as exc:
            log.info("replica not used: %s", exc)
            duck = None
        yield duck


def rollup_through(duck: duckdb.DuckDBPyConnection) -> int:
    """The newest event id the per-contact period totals count (0: no usable totals)."""
    return rollup.through(duck)


def _catch_up(ctx: Context, max_rounds: int, progress: Progress | None) -> Caught:
    with store.connect(store.path_of(ctx.settings)) as duck:
        return catch_up_in(ctx, duck, max_rounds=max_rounds, progress=progress)


def catch_up_in(
    ctx: Context,
    duck: duckdb.DuckDBPyConnection,
    *,
    max_rounds: int = 1_000_000,
    progress: Progress | None = None,
    trim: bool = True,
) -> Caught:
    """`catch_up` on a replica connection the caller holds (a report computes on it next).

    Raises `feed.NeedsRebuild` instead of rebuilding; `catch_up` does that.
    """
    appended = 0
    changed = False
    version = store.get(duck, "version")
    if version not in (0, store.VERSION):
        raise feed.NeedsRebuild("the replica was written by another version")
    if version == 0:  # written once: a catch-up that finds nothing new writes nothing
        store.put(duck, "version", store.VERSION)
    for _ in range(max_rounds):
        duck.execute("BEGIN")
        try:
            with ctx.db.snapshot() as conn:
                done = feed.one_round(conn, duck, ctx.clock)
            duck.execute("COMMIT")
        except BaseException:
            duck.execute("ROLLBACK")
            raise
        appended += done.events
        changed = changed or bool(done.contacts or done.deletions)
        if progress is not None and done.events:
            progress(done.events)
        if not (done.events or done.contacts or done.deletions):
            break
    marks = store.marks(duck)
    if changed and trim:  # only then have the logs grown
        _trim(ctx, marks)
    return Caught(appended, marks.get("events", 0))


def trim_unused(ctx: Context) -> None:
    """Trim the replica's logs in the main database when no replica reads them."""
    with ctx.db.read() as conn:
        high = repository.high_ids(conn)
    _trim(ctx, high)


def _trim(ctx: Context, marks: dict[str, int]) -> None:
    """Drop log rows the replica has applied (keeping the newest of each)."""
    with ctx.db.write() as conn:
        repository.trim_logs(conn, marks.get("contact_changes", 0), marks.get("event_deletions", 0))


def rebuild(ctx: Context, progress: Progress | None = None) -> Caught:
    """Build a new replica from the main database beside the old one, then swap them.

    Contacts and links are copied first; events follow in id order, in the same rounds as a
    regular catch-up (which also applies deletions logged meanwhile), and are then put in time
    order (`feed.order_by_time`).
    """
    path = store.path_of(ctx.settings)
    fresh = path.with_name(path.name + ".rebuild")
    for leftover in (fresh, Path(str(fresh) + ".wal")):
        leftover.unlink(missing_ok=True)
    with store.connect(fresh) as duck:
        store.put(duck, "version", store.VERSION)
        with ctx.db.snapshot() as conn:
            # Logs already applied by this copy: everything up to now.
            high = repository.high_ids(conn)
        store.put(duck, "contact_changes", high["contact_changes"])
        store.put(duck, "event_deletions", high["event_deletions"])
        after = 0
        while True:
            with ctx.db.read() as conn:
                rows = repository.contacts_after(conn, after, feed.BATCH)
            if not rows:
                break
            batch = feed.arrow(rows, repository.CONTACT_COLUMNS, feed.CONTACT_TYPES)  # noqa: F841
            duck.execute("INSERT INTO contacts SELECT * FROM batch")
            after = int(rows[-1].id)
    # Contacts changed during the copy are in the change log after the noted watermark.
    _swap(fresh, path)
    caught = _catch_up(ctx, 1_000_000, progress)
    with store.connect(path) as duck:
        feed.order_by_time(duck)
        rollup.build(duck)
    return caught


def refresh_rollup(ctx: Context) -> bool:
    """Build the per-contact period totals again when enough events are newer; whether built."""
    with store.connect(store.path_of(ctx.settings)) as duck:
        if not rollup.stale(duck):
            return False
        rollup.build(duck)
        return True


def _swap(fresh: Path, path: Path) -> None:
    with store.holding():  # no connection of this process holds the old file meanwhile
        store.release(fresh)
        store.release(path)
        os.replace(fresh, path)
        Path(str(path) + ".wal").unlink(missing_ok=True)


def events_in_main(ctx: Context) -> int:
    """How many events the main database holds (a rebuild's progress total)."""
    with ctx.db.read() as conn:
        return repository.event_count(conn)


def status(ctx: Context) -> dict[str, int]:
    """The replica's watermarks and the main database's newest ids, for the CLI."""
    with store.connect(store.path_of(ctx.settings)) as duck:
        marks = store.marks(duck)
        rows = int(duck.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]
    with ctx.db.read() as conn:
        high = repository.high_ids(conn)
    return {
        "replica_rows": rows,
        **{f"replica_{k}": v for k, v in marks.items()},
        **{f"main_{k}": v for k, v in high.items()},
    }
