"""Machine opens and clicks: detected, stored with the flag, counted apart, includable."""

from __future__ import annotations

from typing import Any

import pytest
from activity_seed import mailing_fixture, people_fixture  # noqa: F401 (fixtures)
from sqlalchemy import select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import machine, service
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db.tables import contact_mailing_totals, events

NOW = 1_767_225_600_000
HUMAN_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


@pytest.mark.parametrize(
    ("ua", "ip", "expected"),
    [
        (HUMAN_UA, "203.0.113.7", False),
        (
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0"
            " (via ggpht.com GoogleImageProxy)",
            "66.249.84.1",
            False,
        ),
        (
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.4266; Pro)",
            "198.51.100.2",
            False,
        ),
        (None, None, False),
        ("Mozilla/5.0", "17.58.101.12", True),  # Apple Mail Privacy Protection
        ("Mozilla/5.0", "::ffff:17.1.2.3", True),
        ("Barracuda Sentinel (EE)", "198.51.100.9", True),
        ("Mozilla/5.0 (compatible; BingPreview/1.0b)", None, True),
        ("python-requests/2.31.0", "198.51.100.9", True),
        ("curl/8.4.0", None, True),
        ("Mozilla/5.0 HeadlessChrome/119.0", None, True),
        (HUMAN_UA, "64.235.150.1", True),  # Barracuda range
        (HUMAN_UA, "not-an-ip", False),
    ],
)
def test_detect_by_agent_and_address(ua: str | None, ip: str | None, expected: bool) -> None:
    assert machine.detect(ua, ip, NOW, None) is expected


def test_detect_by_timing() -> None:
    assert machine.detect(HUMAN_UA, None, NOW + 999, NOW) is True
    assert machine.detect(HUMAN_UA, None, NOW + 1000, NOW) is False
    assert machine.detect(HUMAN_UA, None, NOW - 5, NOW) is False  # before its send: not judged
    assert machine.detect(HUMAN_UA, None, NOW, None) is False


def ingest(ctx: Context, acc: NewAccount, items: list[Any]) -> Any:
    with ctx.db.write() as conn:
        return service.ingest(
            conn,
            ctx.clock,
            acc.account_id,
            items,
            source=Source.PIXEL,
            default_list_id=acc.default_list_id,
        )


def test_machine_events_are_flagged_and_counted_apart(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    uid = people[0].uid
    sent = NOW - 600_000
    ingest(
        ctx, account, [{"type": "em_sends", "contact_id": uid, "mailing_id": mailing, "at": sent}]
    )
    result = ingest(
        ctx,
        account,
        [
            # a scanner at the receiving server, 300 ms after the (earlier batch's) send
            {"type": "em_opens", "contact_id": uid, "mailing_id": mailing, "at": sent + 300},
            {
                "type": "em_clicks",
                "contact_id": uid,
                "mailing_id": mailing,
                "at": sent + 400,
                "link_url": "https://x.test/",
            },
            # Apple MPP prefetch
            {
                "type": "em_opens",
                "contact_id": uid,
                "mailing_id": mailing,
                "at": sent + 60_000,
                "user_agent": "Mozilla/5.0",
                "ip": "17.0.0.1",
            },
            # the person
            {
                "type": "em_opens",
                "contact_id": uid,
                "mailing_id": mailing,
                "at": sent + 120_000,
                "user_agent": HUMAN_UA,
                "ip": "203.0.113.5",
            },
            {
                "type": "em_clicks",
                "contact_id": uid,
                "mailing_id": mailing,
                "at": sent + 130_000,
                "user_agent": HUMAN_UA,
                "link_url": "https://x.test/",
            },
            # the caller knows better
            {
                "type": "em_opens",
                "contact_id": uid,
                "mailing_id": mailing,
                "at": sent + 140_000,
                "user_agent": "curl/8",
                "machine": False,
            },
            {
                "type": "em_clicks",
                "contact_id": uid,
                "at": sent + 150_000,
                "machine": True,
                "link_url": "https://x.test/",
            },
        ],
    )
    assert result.accepted == 7
    with ctx.db.read() as conn:
        flags = [
            row.machine for row in conn.execute(select(events.c.machine).order_by(events.c.id))
        ]
        assert flags == [False, True, True, True, False, False, False, True]
        excluded = service.contact_totals(conn, account.account_id, people[0].id)
        included = service.contact_totals(
            conn, account.account_id, people[0].id, include_machine=True
        )
        cm = conn.execute(select(contact_mailing_totals)).one()
        summary = service.list_summary(conn, account.account_id)
        summary_all = service.list_summary(conn, account.account_id, include_machine=True)
    assert (excluded["opens"], excluded["machine_opens"]) == (2, 2)
    assert (excluded["clicks"], excluded["machine_clicks"]) == (1, 2)
    assert (included["opens"], included["clicks"]) == (4, 3)
    assert excluded["last_open_ms"] == sent + 140_000  # people's opens only
    assert (cm.opens, cm.machine_opens, cm.clicks, cm.machine_clicks) == (2, 2, 1, 1)
    assert (summary["em_opens"], summary_all["em_opens"]) == (2, 4)
    assert (summary["em_clicks"], summary_all["em_clicks"]) == (1, 3)
    assert summary["em_sends"] == summary_all["em_sends"] == 1


def test_send_in_the_same_batch_times_the_open(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    uid = people[1].uid
    ingest(
        ctx,
        account,
        [
            {"type": "em_opens", "contact_id": uid, "mailing_id": mailing, "at": NOW - 9_500},
            {"type": "em_sends", "contact_id": uid, "mailing_id": mailing, "at": NOW - 10_000},
            {"type": "em_opens", "contact_id": uid, "mailing_id": mailing, "at": NOW - 1_000},
        ],
    )
    with ctx.db.read() as conn:
        totals = service.contact_totals(conn, account.account_id, people[1].id)
    assert (totals["opens"], totals["machine_opens"]) == (1, 1)
