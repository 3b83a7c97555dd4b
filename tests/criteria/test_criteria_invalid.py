"""Criteria that cannot be compiled are a 412 naming the rule's position and field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from criteria_seed import Dataset, data_fixture  # noqa: F401 (fixture)

from mailroom.criteria import service
from mailroom.criteria.schemas import InvalidCriteria
from mailroom.errors import NotFound


def compile_(data: Dataset, rules: Any, **kw: Any) -> Any:
    with data.ctx.db.read() as conn:
        return service.compile_criteria(
            conn, data.account.account_id, data.list_id, rules, clock=data.ctx.clock, **kw
        )


OK = {"field_name": "country", "operator": "=", "operand": ["US"]}

# (what, the bad rule placed at position 1 after a good one, field named, key at fault, words)
INVALID: list[tuple[str, Any, str, str, str]] = [
    ("unknown field", {"field_name": "shoe", "operator": "=", "operand": ["x"]}, "shoe",
     "field_name", "not a field"),
    ("no field", {"operator": "=", "operand": ["x"]}, "", "field_name", "required"),
    ("unknown field_id", {"field_id": 999999, "operator": "=", "operand": ["x"]}, "999999",
     "field_id", "not a field"),
    ("unknown type", {**OK, "type": "colour"}, "country", "type", "type must be"),
    ("type does not fit", {**OK, "type": "numeric"}, "country", "type", "does not fit"),
    ("date type on email", {"field_name": "email", "type": "date", "operator": "=",
     "operand": ["2020-01-01"]}, "email", "type", "does not fit"),
    ("unknown operator", {**OK, "operator": "~"}, "country", "operator", "operator must be"),
    ("operator does not fit", {"field_name": "age", "operator": "LIKE", "operand": ["3"]}, "age",
     "operator", "does not apply"),
    ("LIKE on a status", {"field_name": "ocx_status", "operator": "LIKE", "operand": ["a"]},
     "ocx_status", "operator", "does not apply"),
    ("range with one value", {"field_name": "age", "operator": "><", "operand": [1]}, "age",
     "operand", "exactly 2"),
    ("range with three values", {"field_name": "age", "operator": "><", "operand": [1, 2, 3]},
     "age", "operand", "exactly 2"),
    ("no operand", {"field_name": "country", "operator": "="}, "country", "operand", "needs a"),
    ("empty operand", {**OK, "operand": []}, "country", "operand", "needs a"),
    ("not a number", {"field_name": "age", "operator": ">", "operand": ["old"]}, "age",
     "operand", "not a number"),
    ("not a date", {"field_name": "birthday", "operator": ">", "operand": ["31/31/2000"]},
     "birthday", "operand", "not a date"),
    ("ocx date not a date", {"field_name": "ocx_created_date", "operator": "=",
     "operand": ["yesterday"]}, "ocx_created_date", "operand", "not a date"),
    ("not a status", {"field_name": "ocx_status", "operator": "=", "operand": ["Sleepy"]},
     "ocx_status", "operand", "not a status"),
    ("object in operand", {**OK, "operand": [{"a": 1}]}, "country", "operand", "text or numbers"),
    ("operand object", {**OK, "operand": {"a": 1}}, "country", "operand", "array"),
    ("broken JSON operand", {**OK, "operand": "[\"US\""}, "country", "operand", "JSON"),
    ("bad condition", {**OK, "condition": "xor"}, "country", "condition", "'and' or 'or'"),
    ("bad case_sensitive", {**OK, "case_sensitive": "maybe"}, "country", "case_sensitive",
     "0 or 1"),
    ("bad parenthesis", {**OK, "left_parenthesis": "many"}, "country", "left_parenthesis",
     "whole number"),
    ("closing unopened", {**OK, "right_parenthesis": 1}, "country", "right_parenthesis",
     "not opened"),
    ("not an object", "country = US", "", "", "JSON object"),
    ("unknown mailing", {"field_name": "sent", "type": "behavioral", "operator": "=",
     "operand": {"mailing_ids": ["987654"]}}, "sent", "operand", "unknown mailing"),
    ("bad mailing id", {"field_name": "sent", "operator": "=", "operand": {"mailing_ids": ["x"]}},
     "sent", "operand", "not a mailing id"),
    ("mailing id past 64 bits", {"field_name": "opened", "operator": "=",
     "operand": {"mailing_ids": ["99999999999999999999999"]}}, "opened", "operand",
     "not a mailing id"),
    ("fractional mailing id", {"field_name": "opened", "operator": "=",
     "operand": {"mailing_ids": [3.5]}}, "opened", "operand", "not a mailing id"),
    ("days past a century", {"field_name": "opened", "operator": "=",
     "operand": {"days": 99999999999999}}, "opened", "operand", "days"),
    ("days as a huge float", {"field_name": "opened", "operator": "=", "operand": {"days": 1e300}},
     "opened", "operand", "days"),
    ("unknown behavioral key", {"field_name": "opened", "operator": "=",
     "operand": {"mailings": [1]}}, "opened", "operand", "unknown behavioral"),
    ("window backwards", {"field_name": "opened", "operator": "=",
     "operand": {"from_date": "2025-02-01", "to_date": "2025-01-01"}}, "opened", "operand",
     "after"),
    ("bad days", {"field_name": "opened", "operator": "=", "operand": {"days": 0}}, "opened",
     "operand", "days"),
    ("behavioral operator", {"field_name": "opened", "operator": ">", "operand": {}}, "opened",
     "operator", "does not apply"),
    ("behavioral type on a field", {**OK, "type": "behavioral"}, "country", "type",
     "does not fit"),
    ("segment id not a number", {"field_name": "segment", "type": "segment", "operator": "=",
     "operand": ["abc"]}, "segment", "operand", "not a segment id"),
    ("segment id past 64 bits", {"field_name": "segment", "operator": "=",
     "operand": ["99999999999999999999999"]}, "segment", "operand", "not a segment id"),
    ("unknown segment", {"field_name": "segment", "operator": "=", "operand": ["424242"]},
     "segment", "operand", "not found"),
    ("segment LIKE", {"field_name": "segment", "operator": "LIKE", "operand": ["1"]}, "segment",
     "operator", "does not apply"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "field_name", "key", "words"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_rule_is_412_naming_position_and_field(
    data: Dataset, bad: Any, field_name: str, key: str, words: str
) -> None:
    with pytest.raises(InvalidCriteria) as caught:
        compile_(data, [OK, bad])
    error = caught.value
    assert error.status == 412
    assert len(error.errors) == 1, error.errors
    found = error.errors[0]
    assert found["position"] == 1
    assert found["field_name"] == field_name
    assert found["field"] == (f"criteria[1].{key}" if key else "criteria[1]")
    assert words in found["message"]
    assert "rule 1" in error.message and words in error.message


def test_every_problem_is_listed_at_once(data: Dataset) -> None:
    rules = [
        {"field_name": "shoe", "operator": "=", "operand": ["x"]},
        OK,
        {"field_name": "age", "operator": "=", "operand": ["old"]},
    ]
    with pytest.raises(InvalidCriteria) as caught:
        compile_(data, rules)
    assert [(e["position"], e["field_name"]) for e in caught.value.errors] == [
        (0, "shoe"),
        (2, "age"),
    ]


def test_unclosed_parenthesis_names_the_rule_that_opened_it(data: Dataset) -> None:
    rules = [OK, {**OK, "left_parenthesis": 1, "condition": "or"}, OK]
    with pytest.raises(InvalidCriteria) as caught:
        compile_(data, rules)
    assert caught.value.errors[0]["position"] == 1
    assert caught.value.errors[0]["field"] == "criteria[1].left_parenthesis"


def test_mismatched_field_id_and_name(data: Dataset) -> None:
    rule = {"field_id": data.field_ids["age"], "field_name": "country", "operator": "=",
            "operand": ["1"]}  # fmt: skip
    with pytest.raises(InvalidCriteria) as caught:
        compile_(data, [rule])
    assert caught.value.errors[0]["field"] == "criteria[0].field_name"
    assert "is the field 'age'" in caught.value.errors[0]["message"]


@pytest.mark.parametrize("criteria", [42, "not json", {"a": 1, "b": [1]}, [OK] * 101])
def test_criteria_of_the_wrong_shape(data: Dataset, criteria: Any) -> None:
    with pytest.raises(InvalidCriteria) as caught:
        compile_(data, criteria)
    assert caught.value.status == 412
    assert caught.value.errors


def test_unknown_user_type(data: Dataset) -> None:
    with pytest.raises(InvalidCriteria) as caught:
        compile_(data, [OK], user_type="sometimes")
    assert caught.value.errors[0]["field"] == "user_type"


def test_another_accounts_list_is_not_found(data: Dataset, other_account: Any) -> None:
    with data.ctx.db.read() as conn, pytest.raises(NotFound):
        service.compile_criteria(conn, other_account.account_id, data.list_id, [OK])


def test_a_mailing_of_another_account_is_unknown(data: Dataset, other_account: Any) -> None:
    from mailroom.mailings import service as mailings_service

    with data.ctx.db.write() as conn:
        theirs = mailings_service.create_mailing(
            conn, data.ctx.clock, other_account.account_id, "x"
        )
    rule = {"field_name": "sent", "operator": "=", "operand": {"mailing_ids": [theirs]}}
    with pytest.raises(InvalidCriteria) as caught:
        compile_(data, [rule])
    assert "unknown mailing" in caught.value.errors[0]["message"]
