"""A small fixed dataset for criteria tests, whose answers are worked out by hand.

Contacts of the account's default list (NOW is 2026-01-01 00:00 UTC, the FrozenClock's start):

| name | email            | country | age  | birthday   | note    | status       | created     |
| ann  | ann@gmail.com    | US      | 30   | 1990-05-10 | 500 off | active       | NOW         |
| bob  | bob@yahoo.com    | us      | 45   | 1985-12-31 |         | active       | NOW - 1 day |
| carl | carl@gmail.com   | CA      |      |            |         | unsubscribed | NOW - 2 days|
| dora | dora@example.org |         | 22.5 | 2000-01-01 |         | bounced      | NOW - 3 days|
| eve  | eve@gmail.co.uk  | UK      | 30   | 1990-05-11 12:30 | Ab_c | complaint | NOW - 4 days|
| fred | fred@example.org | Canada  | 61   | 1970-01-31 | 50% off | active       | NOW - 5 days|

Activity (mailings m1, m2; "machine" marks a machine open or click):

| ann  | sent m1 (day -10), opened m1 (day -9), clicked m1 (day -9)         |
| bob  | sent m1 (day -10), opened m1 by a machine (day -9)                  |
| carl | sent m2 (day -40), opened m2 (day -40)                              |
| eve  | sent m1 (day -10), sent m2 (day -40), clicked m2 by a machine (-40) |
| dora, fred: nothing                                                               |

Every test using `data` runs three ways: on the main database, and on the replica's DuckDB
(`criteria_service.replica_clause`) with and without its per-contact period totals. The totals
are built halfway through the activity, so the rest is read from the events newer than them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import insert, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.criteria import service as criteria_service
from mailroom.criteria.repository import NotOnReplica, matching_ids
from mailroom.db.tables import contacts
from mailroom.kit import ids
from mailroom.mailings import service as mailings_service
from mailroom.replica import conditions, rollup, store
from mailroom.replica import service as replica_service

NOW_MS = 1_767_225_600_000
NOW_S = NOW_MS // 1000
DAY_S = 86_400
DAY_MS = DAY_S * 1000

PEOPLE: dict[str, dict[str, Any]] = {
    "ann": {
        "email": "ann@gmail.com",
        "fields": {"country": "US", "age": 30, "birthday": "1990-05-10", "note": "500 off"},
        "status": "active",
    },
    "bob": {
        "email": "bob@yahoo.com",
        "fields": {"country": "us", "age": 45, "birthday": "1985-12-31"},
        "status": "active",
    },
    "carl": {"email": "carl@gmail.com", "fields": {"country": "CA"}, "status": "unsubscribed"},
    "dora": {
        "email": "dora@example.org",
        "fields": {"age": 22.5, "birthday": "2000-01-01"},
        "status": "bounced",
    },
    "eve": {
        "email": "eve@gmail.co.uk",
        "fields": {
            "country": "UK",
            "age": 30,
            "birthday": "1990-05-11 12:30:00",
            "note": "Ab_c",
        },
        "status": "complaint",
    },
    "fred": {
        "email": "fred@example.org",
        "fields": {"country": "Canada", "age": 61, "birthday": "1970-01-31", "note": "50% off"},
        "status": "active",
    },
}
ALL = frozenset(PEOPLE)


@dataclass
class Dataset:
    ctx: Context
    account: NewAccount
    list_id: int
    m1: int
    m2: int
    ids: dict[str, int]
    uids: dict[str, str]
    field_ids: dict[str, int]
    engine: str = "main"

    def select(self, rules: Any, **kw: Any) -> set[str]:
        """The names of the contacts `rules` select."""
        with self.ctx.db.read() as conn:
            compiled = criteria_service.compile_criteria(
                conn, self.account.account_id, self.list_id, rules, clock=self.ctx.clock, **kw
            )
            found = self._on_replica(conn, compiled) if self.engine != "main" else None
            if found is None:
                found = set(conn.execute(criteria_service.matching_ids(compiled)).scalars())
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[i] for i in found}

    def _on_replica(self, conn: Any, compiled: Any) -> set[int] | None:
        """The ids the replica selects; None for a rule it does not run (uid, import id)."""
        with replica_service.caught_up(self.ctx, wait_s=10) as duck:
            assert duck is not None
            through = replica_service.rollup_through(duck)
            assert (through > 0) == (self.engine == "replica+periods")
            try:
                clause = criteria_service.replica_clause(conn, compiled, through)
            except NotOnReplica:
                return None
            sql, params = conditions.to_duckdb(matching_ids(clause))
            rows = duck.execute(sql, params).fetchall()
        return {int(r[0]) for r in rows}


def _field(ctx: Context, acc: NewAccount, name: str, kind: str, fmt: str = "") -> int:
    from mailroom.fields import service as fields_service

    with ctx.db.write() as conn:
        row = fields_service.create_field(
            conn,
            ctx.clock,
            acc.account_id,
            acc.default_list_id,
            {"name": name, "type": kind, "format": fmt},
        )
    return int(row.id)


def build(ctx: Context, acc: NewAccount, halfway: Callable[[], None] = lambda: None) -> Dataset:
    """The dataset; `halfway` runs between the first five events and the rest."""
    field_ids = {
        "country": _field(ctx, acc, "country", "string"),
        "age": _field(ctx, acc, "age", "numeric"),
        "birthday": _field(ctx, acc, "birthday", "date", "dd/mm/yyyy"),
        "note": _field(ctx, acc, "note", "string"),
    }
    rows = []
    for i, person in enumerate(PEOPLE.values()):
        created = NOW_S - i * DAY_S
        rows.append(
            {
                "uid": ids.object_id(NOW_MS + i),
                "account_id": acc.account_id,
                "list_id": acc.default_list_id,
                "email": person["email"],
                "status": person["status"],
                "fields": person["fields"],
                "created": created,
                "modified": created,
                "unsubscribe_date": NOW_S - DAY_S if person["status"] == "unsubscribed" else None,
            }
        )
    with ctx.db.write() as conn:
        conn.execute(insert(contacts), rows)
        found = conn.execute(
            select(contacts.c.email, contacts.c.id, contacts.c.uid).where(
                contacts.c.list_id == acc.default_list_id
            )
        ).all()
        m1 = mailings_service.create_mailing(
            conn, ctx.clock, acc.account_id, "m1", list_id=acc.default_list_id
        )
        m2 = mailings_service.create_mailing(
            conn, ctx.clock, acc.account_id, "m2", list_id=acc.default_list_id
        )
    by_email = {r.email: r for r in found}
    id_of = {n: int(by_email[p["email"]].id) for n, p in PEOPLE.items()}
    uid_of = {n: str(by_email[p["email"]].uid) for n, p in PEOPLE.items()}

    def event(name: str, kind: str, mailing: int, day: int, machine: bool = False) -> Any:
        return {
            "type": kind,
            "contact_id": uid_of[name],
            "mailing_id": mailing,
            "at": NOW_MS + day * DAY_MS,
            "machine": machine,
        }

    items = [
        event("ann", "em_sends", m1, -10),
        event("ann", "em_opens", m1, -9),
        event("ann", "em_clicks", m1, -9),
        event("bob", "em_sends", m1, -10),
        event("bob", "em_opens", m1, -9, machine=True),
        event("carl", "em_sends", m2, -40),
        event("carl", "em_opens", m2, -40),
        event("eve", "em_sends", m1, -10),
        event("eve", "em_sends", m2, -40),
        event("eve", "em_clicks", m2, -40, machine=True),
    ]
    for part in (items[:5], items[5:]):
        with ctx.db.write() as conn:
            result = activity_service.ingest(
                conn, ctx.clock, acc.account_id, part, source=Source.API
            )
        assert not result.rejected, result.rejected
        if part is not items[5:]:
            halfway()
    return Dataset(ctx, acc, acc.default_list_id, m1, m2, id_of, uid_of, field_ids)


def _periods_of(ctx: Context) -> None:
    """Catch the replica up and build its period totals from the events so far."""
    replica_service.catch_up(ctx)
    with store.connect(store.path_of(ctx.settings)) as duck:
        assert rollup.build(duck) > 0


@pytest.fixture(name="data", params=["main", "replica", "replica+periods"])
def data_fixture(ctx: Context, account: NewAccount, request: pytest.FixtureRequest) -> Dataset:
    engine = str(request.param)
    if engine == "main":
        return build(ctx, account)
    replica_service.catch_up(ctx)  # the replica exists before the data arrives
    halfway = (lambda: _periods_of(ctx)) if engine == "replica+periods" else (lambda: None)
    data = build(ctx, account, halfway)
    data.engine = engine
    return data
