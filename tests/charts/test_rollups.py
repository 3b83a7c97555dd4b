"""The console's rollups against the raw events they summarise, and their incremental refresh."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from mailroom.activity import service as activity_service
from mailroom.activity.types import EventType, Source
from mailroom.charts import rollups as charts
from mailroom.charts.jobs import refresh as refresh_job
from mailroom.context import Context
from mailroom.db.tables import contacts, events, links, mailings
from mailroom.demo.service import DemoResult, DemoSpec, load_demo
from mailroom.jobs import queue, worker

SMALL = DemoSpec(contacts=300, events=6000, seed=7)
HOUR_MS = 3_600_000


def _events(ctx: Context, account_id: int) -> list[Any]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(events).where(events.c.account_id == account_id)))


def _mailings(ctx: Context, account_id: int) -> dict[int, int]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(mailings.c.id, mailings.c.sent).where(mailings.c.account_id == account_id)
        )
        return {int(r.id): int(r.sent) for r in rows}


def test_funnels_match_the_raw_events(ctx: Context) -> None:
    demo = load_demo(ctx, SMALL)  # the loader refreshes the rollups at its end
    people: dict[tuple[int, str], set[int]] = defaultdict(set)
    for e in _events(ctx, demo.account_id):
        step = {
            EventType.EM_SENDS: "sent",
            EventType.EM_BOUNCES: "bounced",
            EventType.EM_COMPLAINTS: "complained",
            EventType.EM_OPTOUTS: "opted_out",
        }.get(EventType(e.type))
        if step:
            people[(e.mailing_id, step)].add(e.contact_id)
        if e.type in (EventType.EM_OPENS, EventType.EM_CLICKS):
            base = "opened" if e.type == EventType.EM_OPENS else "clicked"
            people[(e.mailing_id, f"{base}_any")].add(e.contact_id)
            if not e.machine:
                people[(e.mailing_id, base)].add(e.contact_id)
    with ctx.db.read() as conn:
        shown, total = charts.latest_mailings(conn, demo.account_id, limit=500)
    assert total == demo.mailings == len(shown)
    checked = 0
    for mailing in shown:
        f = mailing.funnel
        assert f is not None
        mine = {step: people[(mailing.id, step)] for step in ("sent", "bounced")}
        assert f.sent == len(mine["sent"])
        assert f.delivered == len(mine["sent"] - mine["bounced"])
        for step in ("opened", "opened_any", "clicked", "clicked_any", "complained", "opted_out"):
            assert getattr(f, step) == len(people[(mailing.id, step)]), (mailing.id, step)
        checked += f.sent > 0
    assert checked > 50


def test_first_hours_and_links_match_the_raw_events(ctx: Context) -> None:
    demo = load_demo(ctx, SMALL)
    sent = _mailings(ctx, demo.account_id)
    curve: Counter[tuple[int, int, str]] = Counter()
    clicks: Counter[tuple[int, int, bool]] = Counter()
    for e in _events(ctx, demo.account_id):
        if e.type not in (EventType.EM_OPENS, EventType.EM_CLICKS):
            continue
        hour = (e.at_ms - sent[e.mailing_id] * 1000) // HOUR_MS
        name = ("machine_" if e.machine else "") + (
            "opens" if e.type == EventType.EM_OPENS else "clicks"
        )
        if 0 <= hour < 72:
            curve[(e.mailing_id, hour, name)] += 1
        if e.type == EventType.EM_CLICKS and e.link_id is not None:
            clicks[(e.mailing_id, e.link_id, bool(e.machine))] += 1
    with ctx.db.read() as conn:
        urls = dict(conn.execute(select(links.c.id, links.c.url)).all())
        for mailing_id in sent:
            got = charts.first_hours(conn, mailing_id)
            for name in ("opens", "machine_opens", "clicks", "machine_clicks"):
                expected = [curve[(mailing_id, h, name)] for h in range(72)]
                assert getattr(got, name) == expected, (mailing_id, name)
            top = charts.top_links(conn, mailing_id, limit=100)
            assert {(t.url, t.clicks, t.machine_clicks) for t in top} == {
                (urls[link], clicks[(m, link, False)], clicks[(m, link, True)])
                for (m, link, _) in clicks
                if m == mailing_id
            }
            assert [t.clicks for t in top] == sorted((t.clicks for t in top), reverse=True)
    assert sum(curve.values()) > 100


def test_status_counts_match_the_contacts(ctx: Context) -> None:
    demo = load_demo(ctx, SMALL)
    with ctx.db.read() as conn:
        rows = conn.execute(select(contacts.c.list_id, contacts.c.status)).all()
        counted = charts.status_counts(conn, demo.account_id)
    expected: Counter[tuple[int, str]] = Counter((r.list_id, r.status) for r in rows)
    assert {(lid, s): n for lid, c in counted.items() for s, n in c.by_status.items()} == expected
    assert sum(c.total for c in counted.values()) == len(rows)


def _open(ctx: Context, demo: DemoResult, mailing_id: int, email: str, at_ms: int) -> None:
    item = {
        "type": "em_opens",
        "email": email,
        "list_id": demo.default_list_id,
        "mailing_id": mailing_id,
        "at": at_ms,
    }
    with ctx.db.write() as conn:
        result = activity_service.ingest(
            conn, ctx.clock, demo.account_id, [item], source=Source.API
        )
    assert result.accepted == 1 and len(result.stored) == 1, result


def test_new_events_are_folded_once_after_they_settle(ctx: Context) -> None:
    demo = load_demo(ctx, SMALL)
    with ctx.db.read() as conn:
        newest, _ = charts.latest_mailings(conn, demo.account_id, limit=1)
        email = conn.execute(
            select(contacts.c.email).where(contacts.c.list_id == demo.default_list_id).limit(1)
        ).scalar_one()
    mailing = newest[0]
    with ctx.db.read() as conn:
        before = charts.first_hours(conn, mailing.id).opens[2]
    # An open, reported now, two hours after the newest mailing went out.
    _open(ctx, demo, mailing.id, email, (mailing.sent_s or 0) * 1000 + 2 * HOUR_MS + 60_000)

    def hour_two() -> int:
        with ctx.db.write() as conn:
            charts.refresh(conn, ctx.clock, demo.account_id)
        with ctx.db.read() as conn:
            return charts.first_hours(conn, mailing.id).opens[2]

    # The first refresh after the event only sees it: a transaction holding an earlier id could
    # still commit. A minute later it is folded.
    assert hour_two() == before
    ctx.clock.advance(seconds=30)  # type: ignore[attr-defined]
    assert hour_two() == before
    ctx.clock.advance(seconds=31)  # type: ignore[attr-defined]
    assert hour_two() == before + 1
    ctx.clock.advance(seconds=600)  # type: ignore[attr-defined]
    assert hour_two() == before + 1  # never twice


def test_refresh_is_requested_once_per_period_and_run_by_the_worker(ctx: Context) -> None:
    demo = load_demo(ctx, SMALL)
    with ctx.db.read() as conn:
        fresh = charts.freshness(conn, ctx.clock, demo.account_id)
    assert fresh.refreshed_ms == ctx.clock.now_ms() and not fresh.due
    ctx.clock.advance(seconds=charts.REFRESH_EVERY_MS / 1000)  # type: ignore[attr-defined]
    with ctx.db.write() as conn:
        assert charts.freshness(conn, ctx.clock, demo.account_id).due
        charts.request_refresh(conn, ctx.clock, demo.account_id)
        charts.request_refresh(conn, ctx.clock, demo.account_id)
    assert worker.run_one(ctx, "test", {charts.REFRESH_KIND: refresh_job})
    assert not worker.run_one(ctx, "test", {charts.REFRESH_KIND: refresh_job})
    with ctx.db.read() as conn:
        assert not charts.freshness(conn, ctx.clock, demo.account_id).due
        assert conn.execute(select(queue.jobs.c.status)).scalars().all() == ["done"]
