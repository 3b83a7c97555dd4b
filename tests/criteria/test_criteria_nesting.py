"""Segments inside criteria: nested selections, cycles refused, segments of other lists refused."""

from __future__ import annotations

from typing import Any

import pytest
from criteria_seed import ALL, Dataset, data_fixture  # noqa: F401 (fixture)

from mailroom.criteria import service as criteria_service
from mailroom.criteria.schemas import InvalidCriteria
from mailroom.errors import ValidationFailed
from mailroom.segments import service


def make(data: Dataset, name: str, criteria: Any, list_id: int | None = None) -> int:
    with data.ctx.db.write() as conn:
        row = service.create_segment(
            conn,
            data.ctx.clock,
            data.account.account_id,
            list_id or data.list_id,
            {"name": name, "criteria": criteria},
        )
    return int(row.id)


def update(data: Dataset, segment_id: int, criteria: Any) -> None:
    with data.ctx.db.write() as conn:
        service.update_segment(
            conn, data.ctx.clock, data.account.account_id, segment_id, {"criteria": criteria}
        )


def in_segment(*ids: int, op: str = "=", **extra: Any) -> dict[str, Any]:
    return {"field_name": "segment", "type": "segment", "operator": op, "operand": list(ids),
            **extra}  # fmt: skip


US = [{"field_name": "country", "operator": "=", "operand": ["US"]}]
GMAIL = [{"field_name": "email", "operator": "LIKE", "operand": ["gmail"]}]


def test_a_segment_rule_selects_the_segments_contacts(data: Dataset) -> None:
    us = make(data, "US", US)
    gmail = make(data, "gmail", GMAIL)
    assert data.select([in_segment(us)]) == {"ann", "bob"}
    assert data.select([in_segment(str(us), gmail)]) == {"ann", "bob", "carl", "eve"}
    assert data.select([in_segment(us, op="!=")]) == ALL - {"ann", "bob"}
    thirty = {"field_name": "age", "operator": "=", "operand": [30]}
    assert data.select([in_segment(us, condition="and"), thirty]) == {"ann"}


def test_segments_nest_deeper(data: Dataset) -> None:
    us = make(data, "US", US)
    us_active = make(
        data,
        "US active",
        [
            in_segment(us),
            {"field_name": "ocx_status", "operator": "=", "operand": ["active"]},
        ],
    )
    outer = make(data, "outer", [in_segment(us_active, condition="or"), *GMAIL])
    assert data.select([in_segment(outer)]) == {"ann", "bob", "carl", "eve"}
    with data.ctx.db.read() as conn:
        selection = service.contact_selection(conn, data.account.account_id, outer)
        assert selection.segment_ids == {us, us_active}
        found = set(conn.execute(criteria_service.matching_ids(selection)).scalars())
    assert found == {data.ids[n] for n in ("ann", "bob", "carl", "eve")}


def test_a_segment_cannot_contain_itself(data: Dataset) -> None:
    us = make(data, "US", US)
    with pytest.raises(InvalidCriteria) as caught:
        update(data, us, [in_segment(us)])
    assert caught.value.errors[0]["position"] == 0
    assert f"segment {us} contains itself" in caught.value.errors[0]["message"]


def test_a_cycle_through_other_segments_is_refused(data: Dataset) -> None:
    a = make(data, "a", US)
    b = make(data, "b", [in_segment(a)])
    c = make(data, "c", [*GMAIL, in_segment(b)])
    with pytest.raises(InvalidCriteria) as caught:
        update(data, a, [{**US[0], "condition": "or"}, in_segment(c)])
    error = caught.value.errors[0]
    assert (error["position"], error["field_name"]) == (1, "segment")
    assert f"{a} -> {c} -> {b} -> {a}" in error["message"]
    # Nothing was written: a still selects what it did.
    assert data.select([in_segment(a)]) == {"ann", "bob"}


def test_a_segment_of_another_list_is_refused(data: Dataset) -> None:
    from mailroom.lists import service as lists_service

    with data.ctx.db.write() as conn:
        other = lists_service.create_list(
            conn, data.ctx.clock, data.account.account_id, {"name": "Other"}
        )
    theirs = make(data, "theirs", [], list_id=int(other["id"]))
    with pytest.raises(InvalidCriteria) as caught:
        data.select([in_segment(theirs)])
    assert "belongs to another list" in caught.value.errors[0]["message"]


def test_a_nested_segment_broken_since_is_a_412(data: Dataset) -> None:
    from mailroom.fields import service as fields_service

    us = make(data, "US", US)
    with data.ctx.db.write() as conn:
        fields_service.delete_field(conn, data.account.account_id, data.field_ids["country"])
    with pytest.raises(InvalidCriteria) as caught:
        data.select([in_segment(us)])
    assert f"segment {us} cannot be used" in caught.value.errors[0]["message"]


def test_a_nested_segment_cannot_be_deleted(data: Dataset) -> None:
    us = make(data, "US", US)
    make(data, "wrapper", [in_segment(us)])
    with data.ctx.db.write() as conn, pytest.raises(ValidationFailed) as caught:
        service.delete_segment(conn, data.account.account_id, us)
    assert "used by other segments" in caught.value.message


def test_the_nesting_limit_is_the_same_when_saved_and_when_used(data: Dataset) -> None:
    """A segment saved with ten segments inside it counts; an eleventh level is refused when
    saved, not later when a count or a mailing uses it."""
    from mailroom.criteria.schemas import MAX_NESTING

    inner = make(data, "level 0", US)
    for level in range(1, MAX_NESTING + 1):
        inner = make(data, f"level {level}", [in_segment(inner)])
    with data.ctx.db.read() as conn:
        selection = service.contact_selection(conn, data.account.account_id, inner)
        assert len(selection.segment_ids) == MAX_NESTING
        found = set(conn.execute(criteria_service.matching_ids(selection)).scalars())
    assert found == {data.ids["ann"], data.ids["bob"]}
    with pytest.raises(InvalidCriteria) as caught:
        make(data, "one too deep", [in_segment(inner)])
    assert f"nest more than {MAX_NESTING} deep" in caught.value.errors[0]["message"]
