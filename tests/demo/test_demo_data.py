"""The demo loader: deterministic, internally consistent, counted right, and usable over HTTP."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text

from mailroom.activity.service import rebuild_aggregates
from mailroom.activity.types import EventType, Source
from mailroom.cli.main import cli
from mailroom.context import Context
from mailroom.db.tables import (
    accounts,
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    contacts,
    events,
    links,
    list_fields,
    mailings,
    served_hourly,
)
from mailroom.demo import service
from mailroom.demo.service import DemoSpec, load_demo

SMALL = DemoSpec(contacts=300, events=6000, seed=7)
DEMO_HEADERS = {
    "X_USERNAME": service.USERNAME,
    "X_PASSWORD": service.PASSWORD,
    "X_ACCOUNT_CODE": service.ACCOUNT_CODE,
}


def snapshot(ctx: Context) -> tuple[list[Any], list[Any], list[Any]]:
    """The demo's data by natural keys (ids differ between runs)."""
    with ctx.db.read() as conn:
        people = conn.execute(
            select(
                contacts.c.uid,
                contacts.c.email,
                contacts.c.status,
                contacts.c.fields,
                contacts.c.created,
                contacts.c.unsubscribe_date,
                contacts.c.bounce_date,
                contacts.c.complaint_date,
                contacts.c.status_changed_ms,
            ).order_by(contacts.c.uid, contacts.c.list_id)
        ).all()
        activity = conn.execute(
            select(
                contacts.c.uid,
                events.c.type,
                events.c.at_ms,
                mailings.c.campaign_activity_id,
                links.c.url,
                events.c.machine,
                events.c.details,
            )
            .join(contacts, contacts.c.id == events.c.contact_id)
            .join(mailings, mailings.c.id == events.c.mailing_id)
            .outerjoin(links, links.c.id == events.c.link_id)
            .order_by(contacts.c.uid, events.c.at_ms, events.c.type)
        ).all()
        sent = conn.execute(
            select(mailings.c.name, mailings.c.campaign_activity_id, mailings.c.sent).order_by(
                mailings.c.campaign_activity_id
            )
        ).all()
    return [tuple(r) for r in people], [tuple(r) for r in activity], [tuple(r) for r in sent]


def test_same_seed_same_data_other_seed_other_data(ctx: Context) -> None:
    first = load_demo(ctx, SMALL)
    before = snapshot(ctx)
    again = load_demo(ctx, DemoSpec(300, 6000, seed=7, reset=True))
    assert snapshot(ctx) == before
    assert again.summary()["counts"] == first.summary()["counts"]

    load_demo(ctx, DemoSpec(300, 6000, seed=8, reset=True))
    other = snapshot(ctx)
    assert other[0] != before[0] and other[1] != before[1]
    assert len(other[0]) > 300  # the complainers' suppression entries come on top


def test_statuses_follow_from_events(ctx: Context, clock: Any) -> None:
    result = load_demo(ctx, SMALL)
    now_ms = clock.now_ms()
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(contacts).where(contacts.c.list_id != result.lists["Do not mail"])
        ).all()
        stream = conn.execute(
            select(events).where(events.c.account_id == result.account_id).order_by(events.c.id)
        ).all()
    by_contact: dict[int, list[Any]] = {}
    for e in stream:
        by_contact.setdefault(e.contact_id, []).append(e)
    ending = {
        EventType.EM_OPTOUTS: ("unsubscribed", "unsubscribe_date"),
        EventType.EM_COMPLAINTS: ("complaint", "complaint_date"),
    }
    seen_statuses = Counter()
    for contact in rows:
        mine = by_contact.get(contact.id, [])
        assert all(contact.created * 1000 <= e.at_ms < now_ms for e in mine)
        assert all(e.source == Source.DEMO and e.list_id == contact.list_id for e in mine)
        enders = [
            e
            for e in mine
            if e.type in ending
            or (e.type == EventType.EM_BOUNCES and e.details["bounce_type"] == "hard")
        ]
        seen_statuses[contact.status] += 1
        if not enders:
            assert contact.status == "active"
            assert contact.status_changed_ms == 0
            assert (contact.unsubscribe_date, contact.bounce_date, contact.complaint_date) == (
                None,
                None,
                None,
            )
            continue
        (ender,) = enders
        expected, column = ending.get(ender.type, ("bounced", "bounce_date"))
        assert contact.status == expected
        assert contact.status_changed_ms == ender.at_ms
        assert getattr(contact, column) == ender.at_ms // 1000
        later_sends = [e for e in mine if e.type == EventType.EM_SENDS and e.at_ms > ender.at_ms]
        assert later_sends == []
    assert seen_statuses["active"] > 250
    assert set(seen_statuses) <= {"active", "unsubscribed", "bounced", "complaint"}
    assert seen_statuses["unsubscribed"] + seen_statuses["bounced"] > 0


def test_counts_rates_and_aggregates(ctx: Context) -> None:
    result = load_demo(ctx, SMALL)
    summary = result.summary()
    counts = summary["counts"]
    by_type = counts["events_by_type"]
    assert counts["contacts"] == 300
    assert counts["mailings"] == 78
    assert 0.8 * 6000 < counts["events"] < 1.2 * 6000
    assert counts["events"] == sum(by_type.values())
    assert sum(counts["contacts_by_status"].values()) == 300
    assert counts["suppression_list_entries"] == counts["contacts_by_status"].get("complaint", 0)
    sends = by_type["em_sends"]
    assert 0.02 < by_type["em_clicks"] / sends < 0.06
    assert 0.003 < by_type["em_bounces"] / sends < 0.03
    with ctx.db.read() as conn:
        stored = dict(
            conn.execute(
                select(events.c.type, func.count())
                .where(events.c.account_id == result.account_id)
                .group_by(events.c.type)
            ).all()
        )
        machine = conn.execute(
            select(func.count()).where(events.c.machine.is_(True), events.c.type == 2)
        ).scalar_one()
        unique_opens = conn.execute(
            select(func.count()).select_from(
                select(events.c.contact_id, events.c.mailing_id)
                .where(events.c.type == 2, events.c.machine.is_(False))
                .distinct()
                .subquery()
            )
        ).scalar_one()
        total_sends = conn.execute(select(func.sum(contact_totals.c.sends))).scalar_one()
        pairs = conn.execute(select(func.count()).select_from(contact_mailing_totals)).scalar_one()
        send_pairs = conn.execute(
            select(func.count()).select_from(
                select(events.c.contact_id, events.c.mailing_id)
                .where(events.c.type == 1)
                .distinct()
                .subquery()
            )
        ).scalar_one()
        field_names = conn.execute(
            select(list_fields.c.name, list_fields.c.type)
            .where(list_fields.c.list_id == result.default_list_id)
            .order_by(list_fields.c.position, list_fields.c.id)
        ).all()
    assert {EventType(t).wire: n for t, n in stored.items()} == by_type
    assert 0.03 < machine / by_type["em_opens"] < 0.3
    assert 0.15 < unique_opens / sends < 0.4
    assert total_sends == sends
    assert pairs == send_pairs
    assert [tuple(f) for f in field_names] == [
        ("email", "email"),
        ("first_name", "string"),
        ("last_name", "string"),
        ("country", "string"),
        ("birthday", "date"),
        ("score", "numeric"),
        ("product_id", "numeric"),
    ]


def test_an_existing_demo_is_reported_not_duplicated(ctx: Context, client: Any) -> None:
    first = load_demo(ctx, DemoSpec(contacts=40, events=400))
    second = load_demo(ctx, DemoSpec(contacts=500))

    assert second.created is False
    assert second.summary()["counts"] == first.summary()["counts"]
    assert second.summary()["lists"] == first.summary()["lists"]
    with ctx.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(accounts)).scalar_one() == 1
    listing = client.get("/api/lists", headers=DEMO_HEADERS).json()
    assert [x["name"] for x in listing["payload"]] == [
        "Newsletter",
        "Product updates",
        "Do not mail",
    ]
    newsletter = listing["payload"][0]
    assert newsletter["last_count"] == 30
    assert listing["payload"][2]["type"] == "suppression"


def test_empty_demo_and_no_events(ctx: Context) -> None:
    result = load_demo(ctx, DemoSpec(contacts=0))
    assert result.contacts == 0 and result.events == 0 and result.mailings == 78
    quiet = load_demo(ctx, DemoSpec(contacts=20, events=0, reset=True))
    assert quiet.contacts == 20 and quiet.events == 0


def test_cli_prints_credentials_as_json(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", db_url)
    runner = CliRunner()
    outcome = runner.invoke(cli, ["demo", "--contacts", "30", "--seed", "3", "--no-progress"])
    assert outcome.exit_code == 0, outcome.output
    printed = json.loads(outcome.stdout.strip().splitlines()[-1])
    assert printed["username"] == service.USERNAME and printed["password"] == service.PASSWORD
    assert printed["account_code"] == "demo" and printed["token"] == service.TOKEN
    assert printed["created"] is True and printed["counts"]["contacts"] == 30
    again = runner.invoke(cli, ["demo", "--no-progress"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["created"] is False


def test_totals_counted_while_loading_equal_a_rebuild_from_events(ctx: Context) -> None:
    result = load_demo(ctx, SMALL)
    tables = (contact_totals, contact_mailing_totals, activity_hourly, served_hourly)

    def stored() -> list[list[tuple[Any, ...]]]:
        with ctx.db.read() as conn:
            return [sorted(tuple(r) for r in conn.execute(select(t)).all()) for t in tables]

    loaded = stored()
    with ctx.db.write() as conn:
        rebuild_aggregates(conn, result.account_id)
    rebuilt = stored()
    assert all(loaded)  # every table has rows to compare
    for table, mine, theirs in zip(tables, loaded, rebuilt, strict=True):
        assert mine == theirs, table.name


def test_a_producer_process_makes_the_same_data(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 100)  # several chunks, so some are made ahead
    made_here = load_demo(ctx, SMALL, producer=False)
    here = snapshot(ctx)
    made_apart = load_demo(ctx, DemoSpec(300, 6000, seed=7, reset=True), producer=True)
    assert snapshot(ctx) == here
    assert made_apart.summary()["counts"] == made_here.summary()["counts"]


def test_the_events_lookup_index_is_there_after_a_load_and_after_one_cut_short(
    ctx: Context,
) -> None:
    def indexes() -> set[str]:
        with ctx.db.read() as conn:
            return {i["name"] for i in inspect(conn).get_indexes("events")}

    load_demo(ctx, DemoSpec(contacts=40, events=400))  # into an empty events table
    assert "ix_events_contact_at_type" in indexes()
    with ctx.db.write() as conn:  # as a load cut short between dropping and rebuilding leaves it
        conn.execute(text("DROP INDEX ix_events_contact_at_type"))
    again = load_demo(ctx, DemoSpec(contacts=40, events=400))
    assert again.created is False
    assert "ix_events_contact_at_type" in indexes()
