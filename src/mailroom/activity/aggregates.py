"""The running totals a batch of stored events adds, summed in Python before one upsert each.

Counting rules (shared with `rebuild`): machine opens and clicks count only in ``machine_*``;
``bounces`` counts every bounce and ``soft_bounces`` the soft ones among them; page events
(``p_contact_*``) count in ``page_events``; ``last_open_ms`` and ``last_click_ms`` follow people,
not machines. Per contact x mailing, ``last_at_ms`` is the latest event of any type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mailroom.activity.parse import Draft
from mailroom.activity.repository import (
    CONTACT_COLUMNS,
    HOURLY_COLUMNS,
    MAILING_COLUMNS,
    hourly_counter,
)
from mailroom.activity.types import PAGE_TYPES, EventType

HOUR_MS = 3_600_000

_SENDS, _OPENS, _CLICKS = EventType.EM_SENDS, EventType.EM_OPENS, EventType.EM_CLICKS
_BOUNCES = EventType.EM_BOUNCES

# type -> (counter, machine counter) names.
_COUNTER: dict[int, tuple[str, str]] = {
    EventType.EM_SENDS: ("sends", "sends"),
    EventType.EM_OPENS: ("opens", "machine_opens"),
    EventType.EM_CLICKS: ("clicks", "machine_clicks"),
    EventType.EM_BOUNCES: ("bounces", "bounces"),
    EventType.EM_OPTOUTS: ("optouts", "optouts"),
    EventType.EM_COMPLAINTS: ("complaints", "complaints"),
    EventType.EM_FORWARDS: ("forwards", "forwards"),
    **dict.fromkeys(PAGE_TYPES, ("page_events", "page_events")),
}


def _positions(columns: tuple[str, ...]) -> list[int]:
    """type * 2 + machine -> the index of the counter it adds to in a `columns` row (-1: none)."""
    out = [-1] * ((max(_COUNTER) + 1) * 2)
    for type_, names in _COUNTER.items():
        for machine in (False, True):
            name = names[machine]
            out[type_ * 2 + machine] = columns.index(name) if name in columns else -1
    return out


_CT_AT = _positions(CONTACT_COLUMNS)
_CM_AT = _positions(MAILING_COLUMNS)
_CT_SOFT = CONTACT_COLUMNS.index("soft_bounces")
_CT_SENT, _CT_OPEN, _CT_CLICK = (
    CONTACT_COLUMNS.index(c) for c in ("last_sent_ms", "last_open_ms", "last_click_ms")
)
_CM_FIRST, _CM_SENT, _CM_LAST = (
    MAILING_COLUMNS.index(c) for c in ("first_sent_ms", "last_sent_ms", "last_at_ms")
)
# type * 2 + machine -> the contact's "last ..." column it moves (-1: none). Machine opens and
# clicks move nothing: those times follow people.
_CT_LAST = [-1] * len(_CT_AT)
_CT_LAST[_SENDS * 2] = _CT_LAST[_SENDS * 2 + 1] = _CT_SENT
_CT_LAST[_OPENS * 2] = _CT_OPEN
_CT_LAST[_CLICKS * 2] = _CT_CLICK
_CT_BLANK: list[Any] = [0] * len(CONTACT_COLUMNS)
_CT_BLANK[_CT_SENT] = _CT_BLANK[_CT_OPEN] = _CT_BLANK[_CT_CLICK] = None
_CM_BLANK: list[Any] = [0] * len(MAILING_COLUMNS)
_CM_BLANK[_CM_FIRST] = _CM_BLANK[_CM_SENT] = None
# type * 2 + machine -> the index of the `activity_hourly` counter it adds to in a row.
_HOUR_AT = [0] * len(_CT_AT)
for _type in EventType:
    for _machine in (False, True):
        _HOUR_AT[_type * 2 + _machine] = HOURLY_COLUMNS.index(hourly_counter(_type, _machine))
_HOUR_BLANK: list[Any] = [0] * len(HOURLY_COLUMNS)
assert HOURLY_COLUMNS[:3] == ("list_id", "hour", "account_id")


def totals(
    account_id: int, stored: Iterable[Draft]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(contact_totals, contact_mailing_totals, activity_hourly) rows to add, as tuples."""
    per_contact: dict[int, list[Any]] = {}
    per_mailing: dict[tuple[int, int], list[Any]] = {}
    hourly: dict[tuple[Any, int], list[Any]] = {}
    ct_at, cm_at, ct_last, hour_at = _CT_AT, _CM_AT, _CT_LAST, _HOUR_AT
    soft_at, cm_sent, cm_first, cm_last = _CT_SOFT, _CM_SENT, _CM_FIRST, _CM_LAST
    for d in stored:
        type_ = d.type
        at_ms = d.at_ms
        machine = d.machine is True
        code = type_ * 2 + machine
        contact_id = d.contact_id

        ct = per_contact.get(contact_id)
        if ct is None:
            ct = per_contact[contact_id] = _CT_BLANK.copy()
            ct[0], ct[1], ct[2] = contact_id, account_id, d.list_id
        ct[ct_at[code]] += 1
        last = ct_last[code]
        if last >= 0:
            known = ct[last]
            if known is None or at_ms > known:
                ct[last] = at_ms
        elif type_ == _BOUNCES and d.details is not None and d.details["bounce_type"] == "soft":
            ct[soft_at] += 1

        mailing_id = d.mailing_id
        if mailing_id is not None:
            key = (contact_id, mailing_id)
            cm = per_mailing.get(key)
            if cm is None:
                cm = per_mailing[key] = _CM_BLANK.copy()
                cm[0], cm[1], cm[2] = contact_id, mailing_id, account_id
            at = cm_at[code]
            if at >= 0:
                cm[at] += 1
            if at_ms > cm[cm_last]:
                cm[cm_last] = at_ms
            if type_ == _SENDS:
                known = cm[cm_sent]
                if known is None or at_ms > known:
                    cm[cm_sent] = at_ms
                known = cm[cm_first]
                if known is None or at_ms < known:
                    cm[cm_first] = at_ms

        hour_key = (d.list_id, at_ms // HOUR_MS * 3600)
        hr = hourly.get(hour_key)
        if hr is None:
            hr = hourly[hour_key] = _HOUR_BLANK.copy()
            hr[0], hr[1], hr[2] = d.list_id, hour_key[1], account_id
        hr[hour_at[code]] += 1
    # Sorted by key: concurrent PostgreSQL transactions then lock shared rows in the same
    # order, so they wait for each other instead of deadlocking.
    return (
        [tuple(per_contact[key]) for key in sorted(per_contact)],
        [tuple(per_mailing[key]) for key in sorted(per_mailing)],
        [tuple(hourly[key]) for key in sorted(hourly)],
    )
