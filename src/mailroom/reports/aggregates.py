"""A windowed report's per-contact totals as DuckDB SQL: only the selected activity columns.

Two forms give the same numbers. From the raw events: one filtered aggregate per column over
the window's events. With the replica's period totals (`replica.rollup`): the periods lying
wholly inside the window come from `contact_periods`, and the events outside them (the window's
two edges, and the events newer than the table) are added one by one, so a year-long window
aggregates about one row per contact and month instead of one per event.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailroom.replica import rollup
from mailroom.reports.repository import BOUNCE, CLICK, COMPLAINT, OPEN, OPT_OUT, SENT

# Each activity column as the DuckDB aggregate over the window's events that computes it.
RAW = {
    "sent": f"count(*) FILTER (WHERE type = {SENT})",
    "opens": f"count(*) FILTER (WHERE type = {OPEN} AND (NOT machine OR $machine))",
    "clicks": f"count(*) FILTER (WHERE type = {CLICK} AND (NOT machine OR $machine))",
    "machine_opens": f"count(*) FILTER (WHERE type = {OPEN} AND machine)",
    "machine_clicks": f"count(*) FILTER (WHERE type = {CLICK} AND machine)",
    "unsubscribe": f"count(*) FILTER (WHERE type = {OPT_OUT})",
    "complains": f"count(*) FILTER (WHERE type = {COMPLAINT})",
    "bounces": f"count(*) FILTER (WHERE type = {BOUNCE})",
    "last_sent_date": f"max(at_ms) FILTER (WHERE type = {SENT}) // 1000",
    "last_open_date": f"max(at_ms) FILTER (WHERE type = {OPEN} AND NOT machine) // 1000",
    "last_click_date": f"max(at_ms) FILTER (WHERE type = {CLICK} AND NOT machine) // 1000",
}
DATES = frozenset({"last_sent_date", "last_open_date", "last_click_date"})

# Each activity column from the period table's columns (merged over a contact's rows).
_FROM_PERIODS = {
    "sent": ("sum(sent)", ("sent",)),
    "opens": (
        "sum(opens) + CASE WHEN $machine THEN sum(machine_opens) ELSE 0 END",
        ("opens", "machine_opens"),
    ),
    "clicks": (
        "sum(clicks) + CASE WHEN $machine THEN sum(machine_clicks) ELSE 0 END",
        ("clicks", "machine_clicks"),
    ),
    "machine_opens": ("sum(machine_opens)", ("machine_opens",)),
    "machine_clicks": ("sum(machine_clicks)", ("machine_clicks",)),
    "unsubscribe": ("sum(unsubscribe)", ("unsubscribe",)),
    "complains": ("sum(complains)", ("complains",)),
    "bounces": ("sum(bounces)", ("bounces",)),
    "last_sent_date": ("max(last_sent_ms) // 1000", ("last_sent_ms",)),
    "last_open_date": ("max(last_open_ms) // 1000", ("last_open_ms",)),
    "last_click_date": ("max(last_click_ms) // 1000", ("last_click_ms",)),
}

_SCOPE = "account_id = $account AND list_id = $list AND contact_id IN (SELECT id FROM chosen)"

_FROM_EVENTS = f"""
    SELECT contact_id, {{aggregates}}
    FROM events
    WHERE {_SCOPE} AND at_ms >= $start AND at_ms < $end
    GROUP BY contact_id"""

_MIXED = f"""
    SELECT contact_id, {{merged}}
    FROM (
        SELECT contact_id, {{stored}} FROM contact_periods
        WHERE {_SCOPE} AND period >= $first_period AND period < $end_period
        UNION ALL
        SELECT contact_id, {{per_event}} FROM events
        WHERE {_SCOPE} AND at_ms >= $start AND at_ms < $periods_start
        UNION ALL
        SELECT contact_id, {{per_event}} FROM events
        WHERE {_SCOPE} AND at_ms >= $periods_end AND at_ms < $end
        UNION ALL
        SELECT contact_id, {{per_event}} FROM events
        WHERE {_SCOPE} AND id > $rollup_through
          AND at_ms >= $periods_start AND at_ms < $periods_end
    )
    GROUP BY contact_id"""


def totals(activity: Sequence[str], use_periods: bool) -> str:
    """The SELECT of per-contact totals for these activity columns (parameters: $account,
    $list, $start, $end, $machine, and with the periods those of `period_params`)."""
    if not use_periods:
        return _FROM_EVENTS.format(aggregates=", ".join(f"{RAW[c]} AS {c}" for c in activity))
    parts = list(dict.fromkeys(p for c in activity for p in _FROM_PERIODS[c][1]))
    return _MIXED.format(
        merged=", ".join(f"({_FROM_PERIODS[c][0]})::BIGINT AS {c}" for c in activity),
        stored=", ".join(parts),
        per_event=", ".join(f"{rollup.PER_EVENT[p]} AS {p}" for p in parts),
    )


def period_params(window_ms: tuple[int, int], through: int) -> dict[str, int] | None:
    """The bound values of the mixed form, or None when the window holds no whole period or
    there is no period table to read."""
    whole = rollup.whole_periods(*window_ms)
    if whole is None or not through:
        return None
    first, end = whole
    return {
        "first_period": first,
        "end_period": end,
        "periods_start": first * rollup.PERIOD_MS,
        "periods_end": end * rollup.PERIOD_MS,
        "rollup_through": through,
    }
