"""Per-contact totals of the replica's events by 30-day period, for reports over long windows.

Aggregating a year of events per contact is most of a long report's cost, and it grows worse as
events arrive in time order (each contact's events are spread over the whole table, so every
event lands on a different group). `contact_periods` holds, per contact and period of
`PERIOD_MS` (counted from the Unix epoch), the counts and last times a report needs, sorted by
contact: about one row per contact and month instead of one per event.

The table is a cache of the events with ids up to the `rollup_through` watermark, built whole in
one statement (`build`) by a periodic task and at the end of a rebuild. Anything that could make
it disagree with the events below that watermark (a deletion, an event committed late below
it) sets the watermark to 0, and reports read the raw events until the next build. A report
reads the periods its window holds whole from here, and the rest from the events: the window's
edges and the events above the watermark.
"""

from __future__ import annotations

import duckdb

from mailroom.activity.types import EventType
from mailroom.replica import store

PERIOD_MS = 30 * 86_400_000
THROUGH = "rollup_through"
# Rebuild when this share of the events is newer than the table (or it is missing).
STALE_SHARE = 0.05
MIN_STALE = 100_000

SENT, OPEN, CLICK = int(EventType.EM_SENDS), int(EventType.EM_OPENS), int(EventType.EM_CLICKS)
BOUNCE, OPT_OUT = int(EventType.EM_BOUNCES), int(EventType.EM_OPTOUTS)
COMPLAINT = int(EventType.EM_COMPLAINTS)

# Each column of the table as the value one event contributes (summed, or the max for times).
PER_EVENT = {
    "sent": f"(type = {SENT})::BIGINT",
    "opens": f"(type = {OPEN} AND NOT machine)::BIGINT",
    "machine_opens": f"(type = {OPEN} AND machine)::BIGINT",
    "clicks": f"(type = {CLICK} AND NOT machine)::BIGINT",
    "machine_clicks": f"(type = {CLICK} AND machine)::BIGINT",
    "unsubscribe": f"(type = {OPT_OUT})::BIGINT",
    "complains": f"(type = {COMPLAINT})::BIGINT",
    "bounces": f"(type = {BOUNCE})::BIGINT",
    "last_sent_ms": f"CASE WHEN type = {SENT} THEN at_ms END",
    "last_open_ms": f"CASE WHEN type = {OPEN} AND NOT machine THEN at_ms END",
    "last_click_ms": f"CASE WHEN type = {CLICK} AND NOT machine THEN at_ms END",
}
TIMES = frozenset({"last_sent_ms", "last_open_ms", "last_click_ms"})


def merged(column: str) -> str:
    """How rows of one column combine: counts add up, times keep the latest."""
    return f"max({column})" if column in TIMES else f"sum({column})::BIGINT"


def through(duck: duckdb.DuckDBPyConnection) -> int:
    """The newest event id the table counts; 0 when there is no usable table."""
    return store.get(duck, THROUGH)


def invalidate(duck: duckdb.DuckDBPyConnection) -> None:
    """Stop reports reading the table until the next build (inside the caller's transaction)."""
    if through(duck):
        store.put(duck, THROUGH, 0)


def stale(duck: duckdb.DuckDBPyConnection) -> bool:
    """Whether enough events are newer than the table (or it is missing) to build it again."""
    row = duck.execute("SELECT count(*), coalesce(max(id), 0) FROM events").fetchall()[0]
    total, newest = int(row[0]), int(row[1])
    counted = through(duck)
    if not total or counted == newest:
        return False
    if not counted:
        return True
    newer = int(
        duck.execute("SELECT count(*) FROM events WHERE id > ?", [counted]).fetchall()[0][0]
    )
    return newer >= max(MIN_STALE, STALE_SHARE * total)


def build(duck: duckdb.DuckDBPyConnection) -> int:
    """Build the table from every event the replica holds, in one transaction; its watermark."""
    columns = ", ".join(f"{merged(name)} AS {name}" for name in PER_EVENT)
    values = ", ".join(f"{expr} AS {name}" for name, expr in PER_EVENT.items())
    duck.execute("BEGIN")
    try:
        newest = int(duck.execute("SELECT coalesce(max(id), 0) FROM events").fetchall()[0][0])
        duck.execute(
            f"""CREATE OR REPLACE TABLE contact_periods AS
            SELECT account_id, list_id, contact_id, period, {columns}
            FROM (SELECT account_id, list_id, contact_id, at_ms // {PERIOD_MS} AS period, {values}
                  FROM events WHERE id <= ?)
            GROUP BY account_id, list_id, contact_id, period
            ORDER BY account_id, list_id, contact_id, period""",
            [newest],
        )
        store.put(duck, THROUGH, newest)
        duck.execute("COMMIT")
    except BaseException:
        duck.execute("ROLLBACK")
        raise
    return newest


def whole_periods(start_ms: int, end_ms: int) -> tuple[int, int] | None:
    """The periods lying wholly inside [start_ms, end_ms), as [first, last + 1); None if none."""
    first = -(-start_ms // PERIOD_MS)
    last = end_ms // PERIOD_MS
    return (first, last) if first < last else None
