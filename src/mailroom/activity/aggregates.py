"""The running totals a batch of stored events adds, summed in Python before one upsert each.

Counting rules (shared with `rebuild`): machine opens and clicks count only in ``machine_*``;
``bounces`` counts every bounce and ``soft_bounces`` the soft ones among them; page events
(``p_contact_*``) count in ``page_events``; ``last_open_ms`` and ``last_click_ms`` follow people,
not machines. Per contact x mailing, ``last_at_ms`` is the latest event of any type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mailroom.activity.repository import CONTACT_COUNTERS, MAILING_COUNTERS
from mailroom.activity.types import PAGE_TYPES, EventType

HOUR_MS = 3_600_000

# type -> (counter, machine counter) for the types whose counter is a plain +1.
_COUNTER = {
    EventType.EM_SENDS: ("sends", "sends"),
    EventType.EM_OPENS: ("opens", "machine_opens"),
    EventType.EM_CLICKS: ("clicks", "machine_clicks"),
    EventType.EM_BOUNCES: ("bounces", "bounces"),
    EventType.EM_OPTOUTS: ("optouts", "optouts"),
    EventType.EM_COMPLAINTS: ("complaints", "complaints"),
    EventType.EM_FORWARDS: ("forwards", "forwards"),
}
for _page in PAGE_TYPES:
    _COUNTER[_page] = ("page_events", "page_events")


def _contact_row(account_id: int, list_id: int, contact_id: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(CONTACT_COUNTERS, 0)
    row.update(
        contact_id=contact_id,
        account_id=account_id,
        list_id=list_id,
        last_sent_ms=None,
        last_open_ms=None,
        last_click_ms=None,
    )
    return row


def _mailing_row(account_id: int, contact_id: int, mailing_id: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(MAILING_COUNTERS, 0)
    row.update(
        contact_id=contact_id,
        mailing_id=mailing_id,
        account_id=account_id,
        first_sent_ms=None,
        last_sent_ms=None,
        last_at_ms=0,
    )
    return row


def _max(current: int | None, value: int) -> int:
    return value if current is None or value > current else current


def totals(
    stored: Iterable[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(contact_totals rows, contact_mailing_totals rows, activity_hourly rows) to add."""
    per_contact: dict[int, dict[str, Any]] = {}
    per_mailing: dict[tuple[int, int], dict[str, Any]] = {}
    hourly: dict[tuple[int, int, int, bool], list[Any]] = {}
    for event in stored:
        type_ = event["type"]
        at_ms = event["at_ms"]
        machine = event["machine"]
        contact_id = event["contact_id"]
        account_id = event["account_id"]
        human, robot = _COUNTER[type_]
        counter = robot if machine else human

        ct = per_contact.get(contact_id)
        if ct is None:
            ct = per_contact[contact_id] = _contact_row(account_id, event["list_id"], contact_id)
        ct[counter] += 1
        if type_ == EventType.EM_SENDS:
            ct["last_sent_ms"] = _max(ct["last_sent_ms"], at_ms)
        elif type_ == EventType.EM_OPENS and not machine:
            ct["last_open_ms"] = _max(ct["last_open_ms"], at_ms)
        elif type_ == EventType.EM_CLICKS and not machine:
            ct["last_click_ms"] = _max(ct["last_click_ms"], at_ms)
        elif type_ == EventType.EM_BOUNCES and event["details"]["bounce_type"] == "soft":
            ct["soft_bounces"] += 1

        mailing_id = event["mailing_id"]
        if mailing_id is not None:
            key = (contact_id, mailing_id)
            cm = per_mailing.get(key)
            if cm is None:
                cm = per_mailing[key] = _mailing_row(account_id, contact_id, mailing_id)
            if counter in cm:
                cm[counter] += 1
            if at_ms > cm["last_at_ms"]:
                cm["last_at_ms"] = at_ms
            if type_ == EventType.EM_SENDS:
                cm["last_sent_ms"] = _max(cm["last_sent_ms"], at_ms)
                first = cm["first_sent_ms"]
                cm["first_sent_ms"] = at_ms if first is None or at_ms < first else first

        hour_key = (event["list_id"], at_ms // HOUR_MS * 3600, int(type_), bool(machine))
        bucket = hourly.get(hour_key)
        if bucket is None:
            hourly[hour_key] = [account_id, 1]
        else:
            bucket[1] += 1
    hourly_rows = [
        {
            "list_id": list_id,
            "hour": hour,
            "type": type_,
            "machine": machine,
            "account_id": account_id,
            "count": count,
        }
        for (list_id, hour, type_, machine), (account_id, count) in hourly.items()
    ]
    return list(per_contact.values()), list(per_mailing.values()), hourly_rows
