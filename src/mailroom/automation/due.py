"""When a trigger runs, and who is due then: one query per trigger and run, never per contact.

A trigger runs on each day of the account's time zone at its hour and minute (an "occasion").
At an occasion the due contacts are, by the trigger's kind:

* ``list_field``: those whose date field is the occasion's day minus ``days_diff`` (after) or
  plus it (before); on its month and day only for an annual event (a 29 February date is due on
  28 February in other years); no send on days outside ``send_on_days`` (skipped, not moved);
* ``mailing``: those the event's mailing reached in the day before the occasion, shifted by
  ``days_diff`` days, when ``email_operator`` holds now on that mailing (machine opens and
  clicks are not counted);
* ``trigger``: the same, after their parent trigger's send, on the parent's mailing;
* ``list`` (daily): everyone in the audience, each day.

Always only active contacts in an included segment and in no excluded one, inside the event's
start and end dates.

A large due set is claimed in chunks of contact ids (`keyset` gives the column whose values
bound them, `due_select` takes the bounds), so no statement inserts a million rows and the
first chunk can be sent while the next is claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.sql import Select

from mailroom.db import backend
from mailroom.db.tables import contact_mailing_totals as cmt
from mailroom.db.tables import contacts, sends

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # by date.weekday()


@dataclass(frozen=True)
class Occasion:
    day: date
    at_ms: int


def at_local(day: date, hour: int, minute: int, zone: ZoneInfo) -> int:
    """Unix ms of that local day and time (a time skipped by a DST change runs an hour on)."""
    return int(datetime.combine(day, time(hour, minute), zone).timestamp() * 1000)


def occasions(
    event: Any, trigger: Any, zone: ZoneInfo, after_ms: int, until_ms: int
) -> list[Occasion]:
    """The trigger's runs in (after_ms, until_ms], inside the event's dates and send days."""
    if until_ms <= after_ms:
        return []
    first = datetime.fromtimestamp(after_ms / 1000, zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(until_ms / 1000, zone).date()
    found: list[Occasion] = []
    day = first
    while day <= last:
        at = at_local(day, trigger.schedule_hour, trigger.schedule_minute, zone)
        if after_ms < at <= until_ms and _inside(event, at) and _on_day(trigger, day):
            found.append(Occasion(day, at))
        day += timedelta(days=1)
    return found


def _inside(event: Any, at_ms: int) -> bool:
    at_s = at_ms // 1000
    if event.start_date is not None and at_s < event.start_date:
        return False
    return not (event.end_date is not None and at_s > event.end_date)


def _on_day(trigger: Any, day: date) -> bool:
    days = trigger.send_on_days
    return not days or DAY_NAMES[day.weekday()] in days


def message_choice(message_ids: Sequence[int]) -> Any:
    """Which of several messages a contact gets: an even split by contact id."""
    if len(message_ids) == 1:
        return literal(message_ids[0])
    n = len(message_ids)
    return case(*((contacts.c.id % n == i, m) for i, m in enumerate(message_ids)))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def date_key(field: str, annual: bool) -> Any:
    """What a date-field trigger compares: the stored date's month and day (annual), or its
    day. Stored dates are ISO text (`fields.formats`). PostgreSQL indexes this expression
    (`repository.ensure_date_index`), so a run reads only the contacts due."""
    value = backend.JsonField(contacts.c.fields, field)
    # Literal positions, not parameters: the expression must read as the index's does.
    start, length = ("6", "5") if annual else ("1", "10")
    return func.substr(value, literal_column(start), literal_column(length))


def date_clause(event: Any, trigger: Any, day: date) -> Any:
    offset = timedelta(days=trigger.days_diff or 0)
    target = day - offset if trigger.operator != "before" else day + offset
    if not event.annually_event:
        return date_key(event.date_field_name, False) == target.isoformat()
    month_day = date_key(event.date_field_name, True)
    if target.month == 2 and target.day == 28 and not _is_leap(target.year):
        return month_day.in_(("02-28", "02-29"))
    return month_day == target.strftime("%m-%d")


def engagement(email_operator: str | None, outer: bool = False) -> Any:
    """`email_operator` on the joined contact x mailing totals (people's opens and clicks).

    The columns are compared as they are (not through coalesce) so the planner can use their
    statistics; with an outer join a missing row counts as no open and no click."""
    opened, clicked = cmt.c.opens > 0, cmt.c.clicks > 0
    unopened, unclicked = cmt.c.opens == 0, cmt.c.clicks == 0
    if outer:
        missing = cmt.c.contact_id.is_(None)
        unopened, unclicked = or_(missing, unopened), or_(missing, unclicked)
    return {
        "sent": true(),
        "opened": opened,
        "not_opened": unopened,
        "clicked": clicked,
        "not_clicked": unclicked,
        "open_not_clicked": and_(opened, unclicked),
    }.get(email_operator or "sent", false())


def sent_window(trigger: Any, occasion: Occasion, zone: ZoneInfo) -> tuple[int, int]:
    """Sends in [low, high) fall due at this occasion: the day before it, days_diff earlier."""
    shift = timedelta(days=trigger.days_diff or 0)
    high = at_local(occasion.day - shift, trigger.schedule_hour, trigger.schedule_minute, zone)
    low = at_local(
        occasion.day - shift - timedelta(days=1),
        trigger.schedule_hour,
        trigger.schedule_minute,
        zone,
    )
    return low, high


Bounds = tuple[int | None, int | None]  # contact ids in (low, high]; None: open on that side


def keyset(event: Any, trigger: Any) -> tuple[Select[Any], Any] | None:
    """The ids whose ascending values bound a run's chunks (a select and its column), or None
    when one statement claims the run: a date-field trigger's set is one day's dates, read on
    its index. A follow-up walks its mailing's totals in contact order (an index of 0018a)."""
    if trigger.based_on == "mailing":
        column = cmt.c.contact_id
        return select(column).where(cmt.c.mailing_id == event.mailing_id), column
    if trigger.based_on in ("list", "trigger"):
        return select(contacts.c.id).where(contacts.c.account_id == event.account_id), contacts.c.id
    return None


def _within(column: Any, bounds: Bounds | None) -> Any:
    if bounds is None:
        return true()
    low, high = bounds
    return and_(
        column > low if low is not None else true(),
        column <= high if high is not None else true(),
    )


def due_select(
    event: Any,
    trigger: Any,
    parent: Any,
    audience_where: Any,
    occasion: Occasion,
    zone: ZoneInfo,
    now_ms: int,
    *,
    segment: Any = None,
    bounds: Bounds | None = None,
) -> Select[Any]:
    """The rows to claim for this trigger at this occasion (columns of the `sends` insert),
    for the contact ids inside `bounds`; `segment` is the included segment's id expression."""
    prefix = literal(f"t:{trigger.id}:") + cast(contacts.c.id, String)
    columns = [
        literal(event.account_id),
        None,  # the key, below
        literal(trigger.mailing_id),
        literal(trigger.id),
        contacts.c.id,
        message_choice(trigger.email_messages),
        literal(occasion.at_ms),
        literal("queued"),
        literal(now_ms),
        segment if segment is not None else cast(null(), BigInteger),
    ]
    if trigger.based_on in ("list_field", "list"):
        columns[1] = prefix + literal(f":{occasion.day.isoformat()}")
        where = and_(audience_where, _within(contacts.c.id, bounds))
        if trigger.based_on == "list_field":
            where = and_(where, date_clause(event, trigger, occasion.day))
        return select(*columns).where(where)
    low, high = sent_window(trigger, occasion, zone)
    if trigger.based_on == "mailing":
        columns[1] = prefix
        return (
            select(*columns)
            .select_from(cmt.join(contacts, contacts.c.id == cmt.c.contact_id))
            .where(
                cmt.c.mailing_id == event.mailing_id,
                _within(cmt.c.contact_id, bounds),
                _within(contacts.c.id, bounds),
                cmt.c.first_sent_ms >= low,
                cmt.c.first_sent_ms < high,
                engagement(trigger.email_operator),
                audience_where,
            )
        )
    # a chained trigger: after each send of its parent
    columns[1] = prefix + literal(":") + cast(sends.c.id, String)
    return (
        select(*columns)
        .select_from(
            sends.join(contacts, contacts.c.id == sends.c.contact_id).outerjoin(
                cmt,
                and_(
                    cmt.c.contact_id == sends.c.contact_id, cmt.c.mailing_id == sends.c.mailing_id
                ),
            )
        )
        .where(
            sends.c.trigger_id == parent.id,
            _within(contacts.c.id, bounds),
            sends.c.status.in_(("sent", "delivered")),
            sends.c.sent_ms >= low,
            sends.c.sent_ms < high,
            engagement(trigger.email_operator, outer=True),
            audience_where,
        )
    )
