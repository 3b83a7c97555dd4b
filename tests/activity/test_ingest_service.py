"""`activity.service.ingest`: validation, resolution, dedupe, aggregates and status effects."""

from __future__ import annotations

from typing import Any

import pytest
from activity_seed import add_contacts, add_mailing, mailing_fixture, people_fixture  # noqa: F401 (fixtures)
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service
from mailroom.activity.schemas import IngestResult
from mailroom.activity.types import EventType, Source
from mailroom.context import Context
from mailroom.db.tables import (
    HOURLY_COUNTERS,
    activity_hourly,
    contact_mailing_totals,
    contacts,
    events,
    links,
)

NOW = 1_767_225_600_000  # the FrozenClock's start


def hourly_total(conn: Any) -> int:
    """Every event the hourly counters hold, all types and machines together."""
    row = conn.execute(select(*(func.sum(activity_hourly.c[n]) for n in HOURLY_COUNTERS))).one()
    return sum(v or 0 for v in row)


def ingest(ctx: Context, acc: NewAccount, items: list[Any], **kw: Any) -> IngestResult:
    with ctx.db.write() as conn:
        return service.ingest(
            conn,
            ctx.clock,
            acc.account_id,
            items,
            source=kw.pop("source", Source.API),
            default_list_id=kw.pop("default_list_id", acc.default_list_id),
        )


def reasons(result: IngestResult) -> dict[int, str]:
    return {r.index: r.reason for r in result.rejected}


def totals(ctx: Context, acc: NewAccount, contact_id: int, machine: bool = False) -> dict[str, Any]:
    with ctx.db.read() as conn:
        return service.contact_totals(conn, acc.account_id, contact_id, include_machine=machine)


def test_stores_events_and_counts_them(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    alice, bob = people[0], people[1]
    result = ingest(
        ctx,
        account,
        [
            {
                "type": "em_sends",
                "contact_id": alice.uid,
                "mailing_id": mailing,
                "at": NOW - 60_000,
            },
            {
                "type": "em_opens",
                "contact_id": alice.uid,
                "mailing_id": mailing,
                "at": NOW - 30_000,
            },
            {
                "type": "em_clicks",
                "email": bob.email.upper(),
                "mailing_id": mailing,
                "link_url": "https://example.com/a",
                "at": "2025-12-31T23:59:00Z",
            },
            {"type": "em_forwards", "contact_id": alice.uid, "at": (NOW - 10_000) // 1000},
        ],
    )
    assert (result.accepted, result.duplicates, result.rejected) == (4, 0, [])
    assert len(result.event_ids) == 4 and len(set(result.event_ids)) == 4

    a = totals(ctx, account, alice.id)
    assert (a["sends"], a["opens"], a["forwards"], a["clicks"]) == (1, 1, 1, 0)
    assert a["last_sent_ms"] == NOW - 60_000 and a["last_open_ms"] == NOW - 30_000
    b = totals(ctx, account, bob.id)
    assert (b["clicks"], b["last_click_ms"]) == (1, NOW - 60_000)

    with ctx.db.read() as conn:
        by_id = {r.id: r for r in conn.execute(select(events))}
        stored = [by_id[event_id] for event_id in result.event_ids]  # item order
        assert [EventType(r.type).wire for r in stored] == [
            "em_sends",
            "em_opens",
            "em_clicks",
            "em_forwards",
        ]
        assert stored[3].at_ms == NOW - 10_000  # Unix seconds taken as seconds
        assert stored[2].contact_id == bob.id
        url = conn.scalar(select(links.c.url).where(links.c.id == stored[2].link_id))
        assert url == "https://example.com/a"
        cm = conn.execute(
            select(contact_mailing_totals).where(contact_mailing_totals.c.contact_id == alice.id)
        ).one()
        assert (cm.sends, cm.opens, cm.first_sent_ms, cm.last_at_ms) == (
            1,
            1,
            NOW - 60_000,
            NOW - 30_000,
        )
        hourly = hourly_total(conn)
        assert hourly == 4


def test_every_bad_item_is_rejected_with_its_reason(
    ctx: Context, account: NewAccount, other_account: NewAccount, people: list[Any], mailing: int
) -> None:
    foreign = add_contacts(ctx, other_account, 1)[0]
    foreign_mailing = add_mailing(ctx, other_account)
    uid = people[0].uid
    items: list[Any] = [
        {"type": "em_opens", "contact_id": uid},  # 0 fine
        {"type": "em_nothing", "contact_id": uid},  # 1
        {"contact_id": uid},  # 2
        {"type": "em_opens"},  # 3
        {"type": "em_opens", "contact_id": "0" * 24},  # 4
        {"type": "em_opens", "contact_id": foreign.uid},  # 5 another account's contact
        {"type": "em_opens", "contact_id": uid, "mailing_id": foreign_mailing},  # 6
        {"type": "em_opens", "contact_id": uid, "at": NOW + 2 * 86_400_000},  # 7
        {"type": "em_opens", "contact_id": uid, "at": "yesterday"},  # 8
        "not an object",  # 9
        {"type": "em_bounces", "contact_id": uid, "bounce_code": "Q"},  # 10
        {"type": "em_opens", "email": "nobody@nowhere.test"},  # 11
        {"type": "em_opens", "email": people[1].email, "list_id": other_account.default_list_id},
        {"type": "em_opens", "contact_id": uid, "mailing_id": "abc"},  # 13
        {"type": "em_opens", "contact_id": uid, "idempotency_key": "k" * 129},  # 14
        {"type": "em_clicks", "contact_id": uid, "link_id": 999_999},  # 15
        {"type": "em_opens", "contact_id": uid, "machine": "maybe"},  # 16
        {"type": "em_opens", "contact_id": uid, "mailing_id": mailing},  # 17 fine
    ]
    result = ingest(ctx, account, items)
    got = reasons(result)
    assert result.accepted == 2 and result.duplicates == 0
    assert sorted(got) == list(range(1, 17))
    assert got[1] == "unknown type 'em_nothing'"
    assert got[2] == "type is required"
    assert got[3].startswith("a contact is required")
    assert got[4] == got[5] == got[11] == got[12] == "unknown contact"
    assert got[6] == "unknown mailing"
    assert got[7] == "at is more than one day in the future"
    assert got[8].startswith("at is not ISO 8601")
    assert got[9] == "item must be a JSON object"
    assert got[10].startswith("bounce_code must be one of")
    assert got[13] == "mailing_id must be an integer"
    assert got[14] == "idempotency_key is longer than 128 characters"
    assert got[15] == "unknown link"
    assert got[16] == "machine must be true or false"
    assert totals(ctx, account, people[0].id)["opens"] == 2


def test_idempotency_keys_store_once_in_a_batch_and_across_batches(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    uid = people[0].uid
    first = ingest(
        ctx,
        account,
        [
            {"type": "em_opens", "contact_id": uid, "idempotency_key": "a"},
            {"type": "em_opens", "contact_id": uid, "idempotency_key": "a"},
            {"type": "em_opens", "contact_id": uid, "idempotency_key": "b"},
            {"type": "em_opens", "contact_id": uid},
        ],
    )
    assert (first.accepted, first.duplicates) == (3, 1)
    again = ingest(
        ctx,
        account,
        [
            {"type": "em_opens", "contact_id": uid, "idempotency_key": "b"},
            {"type": "em_opens", "contact_id": uid, "idempotency_key": "c"},
            {"type": "em_opens", "contact_id": uid, "idempotency_key": "a"},
        ],
    )
    assert (again.accepted, again.duplicates) == (1, 2)
    assert totals(ctx, account, people[0].id)["opens"] == 4
    with ctx.db.read() as conn:
        assert conn.scalar(select(func.count()).select_from(events)) == 4


def test_keys_are_per_account(
    ctx: Context, account: NewAccount, other_account: NewAccount, people: list[Any]
) -> None:
    theirs = add_contacts(ctx, other_account, 1)[0]
    mine = ingest(
        ctx, account, [{"type": "em_opens", "contact_id": people[0].uid, "idempotency_key": "x"}]
    )
    other = ingest(
        ctx, other_account, [{"type": "em_opens", "contact_id": theirs.uid, "idempotency_key": "x"}]
    )
    assert (mine.accepted, other.accepted) == (1, 1)


def status_of(ctx: Context, contact_id: int) -> Any:
    with ctx.db.read() as conn:
        return conn.execute(select(contacts).where(contacts.c.id == contact_id)).one()


def test_hard_bounce_complaint_and_optout_change_status(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    a, b, c, d = people[:4]
    result = ingest(
        ctx,
        account,
        [
            {"type": "em_bounces", "contact_id": a.uid, "bounce_type": "hard", "at": NOW - 5000},
            {"type": "em_complaints", "contact_id": b.uid, "at": NOW - 4000},
            {"type": "em_optouts", "contact_id": c.uid, "reason": "too many", "at": NOW - 3000},
            {"type": "em_bounces", "contact_id": d.uid, "bounce_code": "F", "at": NOW - 2000},
        ],
    )
    assert result.accepted == 4
    ra, rb, rc, rd = (status_of(ctx, p.id) for p in (a, b, c, d))
    assert (ra.status, ra.bounce_date) == ("bounced", (NOW - 5000) // 1000)
    assert (rb.status, rb.complaint_date) == ("complaint", (NOW - 4000) // 1000)
    assert (rc.status, rc.unsubscribe_date) == ("unsubscribed", (NOW - 3000) // 1000)
    assert (rd.status, rd.bounce_date) == ("active", None)  # soft bounces only count
    td = totals(ctx, account, d.id)
    assert (td["bounces"], td["soft_bounces"]) == (1, 1)
    assert totals(ctx, account, a.id)["soft_bounces"] == 0


def test_effects_are_idempotent_and_ignore_older_events(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    a = people[0]
    ingest(ctx, account, [{"type": "em_optouts", "contact_id": a.uid, "at": NOW - 10_000}])
    first = status_of(ctx, a.id)
    # a newer resubscribe (as change_status would write it), then an OLD opt-out arrives
    with ctx.db.write() as conn:
        conn.execute(
            contacts.update()
            .where(contacts.c.id == a.id)
            .values(
                status="active", resubscribe_date=(NOW - 5000) // 1000, status_changed_ms=NOW - 5000
            )
        )
    ingest(ctx, account, [{"type": "em_optouts", "contact_id": a.uid, "at": NOW - 8000}])
    after_old = status_of(ctx, a.id)
    assert after_old.status == "active"
    assert after_old.unsubscribe_date == first.unsubscribe_date
    # a newer opt-out applies once; replaying it changes nothing more
    ingest(ctx, account, [{"type": "em_optouts", "contact_id": a.uid, "at": NOW - 1000}])
    once = status_of(ctx, a.id)
    ingest(ctx, account, [{"type": "em_optouts", "contact_id": a.uid, "at": NOW - 1000}])
    twice = status_of(ctx, a.id)
    assert once.status == twice.status == "unsubscribed"
    assert once.unsubscribe_date == twice.unsubscribe_date == (NOW - 1000) // 1000
    assert once.status_changed_ms == twice.status_changed_ms == NOW - 1000


def test_a_batch_folds_each_contacts_changes_in_time_order(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    a = people[0]
    ingest(
        ctx,
        account,
        [
            {"type": "em_complaints", "contact_id": a.uid, "at": NOW - 1000},
            {"type": "em_bounces", "contact_id": a.uid, "at": NOW - 9000},
            {"type": "em_optouts", "contact_id": a.uid, "at": NOW - 20_000},
        ],
    )
    row = status_of(ctx, a.id)
    assert row.status == "complaint"
    assert row.status_changed_ms == NOW - 1000
    assert row.unsubscribe_date == (NOW - 20_000) // 1000
    assert row.bounce_date == (NOW - 9000) // 1000


def test_duplicates_have_no_effect_and_no_count(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    a = people[0]
    ingest(ctx, account, [{"type": "em_optouts", "contact_id": a.uid, "idempotency_key": "o1"}])
    again = ingest(
        ctx, account, [{"type": "em_optouts", "contact_id": a.uid, "idempotency_key": "o1"}]
    )
    assert (again.accepted, again.duplicates) == (0, 1)
    assert totals(ctx, account, a.id)["optouts"] == 1


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-01-01T00:00:00Z", NOW),
        ("2025-12-31T19:00:00-05:00", NOW),
        ("2025-12-31 23:00:00", NOW - 3_600_000),
        (NOW - 1, NOW - 1),
        ((NOW - 1000) // 1000, NOW - 1000),
        (str(NOW - 7), NOW - 7),
        (None, NOW),
    ],
)
def test_time_forms(
    ctx: Context, account: NewAccount, people: list[Any], at: Any, expected: int
) -> None:
    result = ingest(ctx, account, [{"type": "em_sends", "contact_id": people[0].uid, "at": at}])
    assert result.accepted == 1
    with ctx.db.read() as conn:
        assert conn.scalar(select(events.c.at_ms)) == expected


def test_concurrent_overlapping_batches_neither_deadlock_nor_double_count(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    """Two writers send the same keyed events in opposite orders, round after round."""
    import threading

    rounds, size = 4, 300
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def items(round_: int) -> list[dict[str, Any]]:
        return [
            {
                "type": ("em_opens", "em_sends", "em_optouts")[i % 3],
                "contact_id": people[i % 5].uid,
                "mailing_id": mailing,
                "at": NOW - 1000 * (i % 50),
                "idempotency_key": f"r{round_}-{i:04d}",
            }
            for i in range(size)
        ]

    def worker(reverse: bool) -> None:
        try:
            for round_ in range(rounds):
                batch = items(round_)
                barrier.wait(timeout=30)
                ingest(ctx, account, batch[::-1] if reverse else batch)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(flag,)) for flag in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with ctx.db.read() as conn:
        stored = conn.scalar(select(func.count()).select_from(events))
        counted = sum(
            sum(
                service.contact_totals(conn, account.account_id, p.id, include_machine=True)[k]
                for k in ("opens", "sends", "optouts")
            )
            for p in people
        )
        hourly = hourly_total(conn)
    assert stored == counted == hourly == rounds * size


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"at": float("inf")}, "at must be a non-negative Unix time"),
        ({"at": -5}, "at must be a non-negative Unix time"),
        ({"at": True}, "at must be ISO 8601 or a Unix time in seconds or milliseconds"),
        ({"at": [1]}, "at must be ISO 8601 or a Unix time in seconds or milliseconds"),
        ({"mailing_id": 2**70}, "mailing_id must be a positive integer"),
        ({"mailing_id": 0}, "mailing_id must be a positive integer"),
        ({"mailing_id": True}, "mailing_id must be an integer"),
        ({"type": ["em_opens"]}, "unknown type \"['em_opens']\""),
        ({"type": " EM_OPENS "}, None),
        ({"contact_id": 12}, "contact_id must be a contact's id string"),
        ({"idempotency_key": {"a": 1}}, "idempotency_key must be a string"),
        ({"link_url": "/relative"}, "link_url must be an absolute URL"),
        ({"user_agent": "x" * 1001}, "user_agent is longer than 1000 characters"),
        ({"machine": "yes"}, None),
    ],
)
def test_item_edge_cases(
    ctx: Context, account: NewAccount, people: list[Any], item: dict[str, Any], reason: str | None
) -> None:
    result = ingest(ctx, account, [{"type": "em_opens", "contact_id": people[0].uid, **item}])
    if reason is None:
        assert (result.accepted, result.rejected) == (1, [])
    else:
        assert reasons(result) == {0: reason}


def test_a_batch_is_stored_in_contact_order_and_reports_ids_in_item_order(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    # Items name the contacts last to first, each twice, the later time first, with keys
    # that sort against the contact order.
    items = [
        {"type": "em_opens", "contact_id": p.uid, "at": NOW - delay, "idempotency_key": f"k{n}"}
        for n, (p, delay) in enumerate(
            (p, delay) for p in reversed(people) for delay in (1_000, 2_000)
        )
    ]
    result = ingest(ctx, account, items)
    assert result.accepted == len(items)

    with ctx.db.read() as conn:
        rows = conn.execute(
            select(events.c.id, events.c.contact_id, events.c.at_ms, events.c.idem_key)
        ).all()
    by_id = sorted(rows)
    assert [(r.contact_id, r.at_ms) for r in by_id] == sorted((r.contact_id, r.at_ms) for r in rows)
    by_key = {r.idem_key: r.id for r in rows}
    assert result.event_ids == [by_key[item["idempotency_key"]] for item in items]
