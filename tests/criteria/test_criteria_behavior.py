"""Behavioral rules: sent, opened, clicked and their negations, by mailing and time window, with
machine opens and clicks left out unless asked (answers from criteria_seed's activity table)."""

from __future__ import annotations

from typing import Any

import pytest
from criteria_seed import ALL, NOW_S, Dataset, data_fixture  # noqa: F401 (fixture)


def did(action: str, operand: Any = None, op: str = "=") -> list[dict[str, Any]]:
    return [{"field_name": action, "type": "behavioral", "operator": op, "operand": operand}]


def but(*names: str) -> set[str]:
    return set(ALL - set(names))


def test_sent_any_mailing(data: Dataset) -> None:
    assert data.select(did("sent")) == {"ann", "bob", "carl", "eve"}
    assert data.select(did("sent", {"mailing_ids": []})) == {"ann", "bob", "carl", "eve"}
    assert data.select(did("not_sent")) == {"dora", "fred"}
    assert data.select(did("sent", op="!=")) == {"dora", "fred"}
    assert data.select(did("not_sent", op="!=")) == {"ann", "bob", "carl", "eve"}


def test_sent_named_mailings(data: Dataset) -> None:
    assert data.select(did("sent", {"mailing_ids": [str(data.m2)]})) == {"carl", "eve"}
    assert data.select(did("sent", [data.m1])) == {"ann", "bob", "eve"}
    both = {"mailing_ids": [data.m1, data.m2]}
    assert data.select(did("sent", both)) == {"ann", "bob", "carl", "eve"}
    assert data.select(did("not_sent", {"mailing_ids": [data.m2]})) == but("carl", "eve")


def test_opens_leave_machines_out_unless_asked(data: Dataset) -> None:
    assert data.select(did("opened")) == {"ann", "carl"}
    assert data.select(did("opened", {"include_machine": True})) == {"ann", "bob", "carl"}
    assert data.select(did("opened"), include_machine=True) == {"ann", "bob", "carl"}
    m1 = {"mailing_ids": [data.m1]}
    assert data.select(did("opened", m1)) == {"ann"}
    assert data.select(did("opened", {**m1, "include_machine": 1})) == {"ann", "bob"}
    assert data.select(did("not_opened")) == {"bob", "dora", "eve", "fred"}
    assert data.select(did("not_opened", {"include_machine": True})) == {"dora", "eve", "fred"}


def test_clicks_leave_machines_out_unless_asked(data: Dataset) -> None:
    assert data.select(did("clicked")) == {"ann"}
    assert data.select(did("clicked", {"include_machine": True})) == {"ann", "eve"}
    assert data.select(did("not_clicked")) == but("ann")
    assert data.select(did("clicked", {"mailing_ids": [data.m2]})) == set()
    assert data.select(did("clicked", {"mailing_ids": [data.m2], "include_machine": "1"})) == {
        "eve"
    }


def test_time_windows_read_events(data: Dataset) -> None:
    # ann opened day -9, bob's machine opened day -9, carl opened day -40.
    assert data.select(did("opened", {"days": 30})) == {"ann"}
    assert data.select(did("opened", {"days": 30, "include_machine": True})) == {"ann", "bob"}
    assert data.select(did("opened", {"days": 60})) == {"ann", "carl"}
    november = {"from_date": "2025-11-01", "to_date": "11/30/2025"}
    assert data.select(did("opened", november)) == {"carl"}
    assert data.select(did("sent", november)) == {"carl", "eve"}
    assert data.select(did("sent", {**november, "mailing_ids": [data.m1]})) == set()
    day = NOW_S - 40 * 86_400
    one_day = {"from_date": day, "to_date": "2025-11-22", "mailing_ids": [data.m2]}
    assert data.select(did("clicked", one_day)) == set()
    assert data.select(did("clicked", {**one_day, "include_machine": True})) == {"eve"}
    assert data.select(did("not_clicked", {"days": 30})) == but("ann")
    # A window that ends before day -9 misses ann's open; a timed end is exact.
    before = {"to_date": NOW_S - 9 * 86_400 - 1}
    assert data.select(did("opened", before)) == {"carl"}


def test_compiled_says_when_events_are_read(data: Dataset) -> None:
    from mailroom.criteria import service

    with data.ctx.db.read() as conn:
        plain = service.compile_criteria(conn, data.account.account_id, data.list_id, did("opened"))
        windowed = service.compile_criteria(
            conn, data.account.account_id, data.list_id, did("opened", {"days": 7})
        )
    assert (plain.uses_events, windowed.uses_events) == (False, True)


@pytest.mark.parametrize("user_type", ["active", "nonactive"])
def test_behavior_with_user_type(data: Dataset, user_type: str) -> None:
    expected = {"ann", "bob"} if user_type == "active" else {"carl", "eve"}
    assert data.select(did("sent"), user_type=user_type) == expected
