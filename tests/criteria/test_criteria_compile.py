"""The criteria compiler against hand-worked answers on a fixed dataset (see criteria_seed)."""

from __future__ import annotations

from typing import Any

import pytest
from criteria_seed import ALL, NOW_S, Dataset, data_fixture  # noqa: F401 (fixture)


def rule(field: str, op: str, *values: Any, **extra: Any) -> dict[str, Any]:
    return {"field_name": field, "operator": op, "operand": list(values), **extra}


def but(*names: str) -> set[str]:
    return set(ALL - set(names))


CS = {"case_sensitive": 1}

CASES: list[tuple[str, list[dict[str, Any]], set[str]]] = [
    # email
    ("email = any case", [rule("email", "=", "ANN@GMAIL.COM", type="email")], {"ann"}),
    ("email = case-sensitive", [rule("email", "=", "ANN@GMAIL.COM", **CS)], set()),
    ("email ends with", [rule("email", "_LIKE", "gmail.com")], {"ann", "carl"}),
    ("email contains", [rule("email", "LIKE", "GMAIL")], {"ann", "carl", "eve"}),
    ("email begins with", [rule("email", "LIKE_", "ann")], {"ann"}),
    ("email does not contain", [rule("email", "NOT LIKE", "gmail")], {"bob", "dora", "fred"}),
    (
        "email != two values",
        [rule("email", "!=", "ann@gmail.com", "bob@yahoo.com")],
        but("ann", "bob"),
    ),
    ("email notempty", [rule("email", "notempty")], set(ALL)),
    ("email empty", [rule("email", "empty")], set()),
    ("email as string type", [rule("email", "=", "bob@yahoo.com", type="string")], {"bob"}),
    # string
    ("string = ignores case", [rule("country", "=", "US")], {"ann", "bob"}),
    ("string = case-sensitive", [rule("country", "=", "US", **CS)], {"ann"}),
    ("string = values OR-ed", [rule("country", "=", "US", "CA")], {"ann", "bob", "carl"}),
    ("string != keeps empties", [rule("country", "!=", "US")], {"carl", "dora", "eve", "fred"}),
    ("string empty", [rule("country", "empty")], {"dora"}),
    ("string notempty", [rule("country", "notempty")], but("dora")),
    ("string contains", [rule("country", "LIKE", "AN")], {"fred"}),
    ("string begins with", [rule("country", "LIKE_", "c")], {"carl", "fred"}),
    ("string begins with, exact case", [rule("country", "LIKE_", "C", **CS)], {"carl", "fred"}),
    ("string begins with, wrong case", [rule("country", "LIKE_", "c", **CS)], set()),
    ("string ends with", [rule("country", "_LIKE", "a")], {"carl", "fred"}),
    ("string does not contain", [rule("country", "NOT LIKE", "u")], {"carl", "dora", "fred"}),
    ("a value under another key is no match", [rule("country", "=", "off")], set()),
    ("LIKE % is literal", [rule("note", "LIKE", "50%")], {"fred"}),
    ("LIKE _ is literal", [rule("note", "LIKE", "b_c")], {"eve"}),
    ("LIKE _ literal, exact case", [rule("note", "LIKE", "b_c", **CS)], {"eve"}),
    ("LIKE wrong case", [rule("note", "LIKE", "B_C", **CS)], set()),
    ("string >", [rule("country", ">", "M")], {"ann", "bob", "eve"}),
    ("string <", [rule("country", "<", "d")], {"carl", "fred"}),
    ("string between", [rule("country", "><", "c", "d")], {"carl", "fred"}),
    # numeric
    ("numeric =", [rule("age", "=", 30, type="numeric")], {"ann", "eve"}),
    ("numeric = as text", [rule("age", "=", "45")], {"bob"}),
    ("numeric = OR-ed", [rule("age", "=", 30, "61")], {"ann", "eve", "fred"}),
    ("numeric !=", [rule("age", "!=", 30)], {"bob", "carl", "dora", "fred"}),
    ("numeric >", [rule("age", ">", 30)], {"bob", "fred"}),
    ("numeric >=", [rule("age", ">=", 30)], {"ann", "bob", "eve", "fred"}),
    ("numeric <", [rule("age", "<", 30)], {"dora"}),
    ("numeric <= decimal", [rule("age", "<=", "22.5")], {"dora"}),
    ("numeric between", [rule("age", "><", 25, 50)], {"ann", "bob", "eve"}),
    ("numeric between reversed", [rule("age", "><", 50, 25)], {"ann", "bob", "eve"}),
    ("numeric empty", [rule("age", "empty")], {"carl"}),
    ("numeric notempty", [rule("age", "notempty")], but("carl")),
    # date (the field's format is dd/mm/yyyy)
    ("date = in field format", [rule("birthday", "=", "10/05/1990", type="date")], {"ann"}),
    ("date = whole day", [rule("birthday", "=", "1990-05-11")], {"eve"}),
    ("date <", [rule("birthday", "<", "01/01/1990")], {"bob", "fred"}),
    ("date >", [rule("birthday", ">", "10/05/1990")], {"eve", "dora"}),
    ("date >=", [rule("birthday", ">=", "10/05/1990")], {"ann", "eve", "dora"}),
    ("date <=", [rule("birthday", "<=", "10/05/1990")], {"ann", "bob", "fred"}),
    ("date between", [rule("birthday", "><", "01/01/1985", "10/05/1990")], {"ann", "bob"}),
    ("date empty", [rule("birthday", "empty")], {"carl"}),
    ("date !=", [rule("birthday", "!=", "10/05/1990")], but("ann")),
    ("date > a moment", [rule("birthday", ">", "1990-05-11 12:00")], {"eve", "dora"}),
    ("date >= a later moment", [rule("birthday", ">=", "1990-05-11 13:00")], {"dora"}),
    # system fields
    ("ocx date = day", [rule("ocx_created_date", "=", "2026-01-01")], {"ann"}),
    ("ocx date <", [rule("ocx_created_date", "<", "2025-12-30")], {"dora", "eve", "fred"}),
    ("ocx date >= MM/DD", [rule("ocx_created_date", ">=", "12/30/2025")], {"ann", "bob", "carl"}),
    (
        "ocx date between unix and ISO",
        [rule("ocx_created_date", "><", NOW_S - 2 * 86_400, "2025-12-31")],
        {"bob", "carl"},
    ),
    ("ocx date > day", [rule("ocx_created_date", ">", "2025-12-31")], {"ann"}),
    ("ocx date <= day", [rule("ocx_created_date", "<=", "2025-12-28")], {"eve", "fred"}),
    ("ocx date notempty", [rule("ocx_unsubscribe_date", "notempty")], {"carl"}),
    ("ocx date empty", [rule("ocx_unsubscribe_date", "empty")], but("carl")),
    ("ocx date = on a day", [rule("ocx_unsubscribe_date", "=", "2025-12-31")], {"carl"}),
    ("ocx_status =", [rule("ocx_status", "=", "Active")], {"ann", "bob", "fred"}),
    ("ocx_status !=", [rule("ocx_status", "!=", "active")], {"carl", "dora", "eve"}),
    ("ocx_status OR-ed", [rule("ocx_status", "=", "Bounced", "Complaint")], {"dora", "eve"}),
    ("ocx_import_id empty", [rule("ocx_import_id", "empty")], set(ALL)),
    # operand forms
    (
        "operand as the read form's JSON text",
        [{"field_name": "country", "operator": "=", "operand": '["CA"]'}],
        {"carl"},
    ),
    (
        "operand as one bare value",
        [{"field_name": "age", "operator": ">", "operand": 50}],
        {"fred"},
    ),
    (
        "read form strings",
        [
            {
                "field_name": "country",
                "operator": "=",
                "operand": '["us"]',
                "case_sensitive": "1",
                "condition": "and",
                "left_parenthesis": "0",
                "right_parenthesis": "0",
                "type": "string",
            }
        ],
        {"bob"},
    ),
    ("no rules: the whole list", [], set(ALL)),
]


@pytest.mark.parametrize(("rules", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_operators_and_types(
    data: Dataset, rules: list[dict[str, Any]], expected: set[str]
) -> None:
    assert data.select(rules) == expected


def test_contact_id_rules(data: Dataset) -> None:
    ann, bob = data.uids["ann"], data.uids["bob"]
    assert data.select([rule("ocx_contact_id", "=", ann, type="id")]) == {"ann"}
    assert data.select([rule("ocx_contact_id", "=", ann.upper(), bob)]) == {"ann", "bob"}
    assert data.select([rule("ocx_contact_id", "!=", ann, bob)]) == but("ann", "bob")
    assert data.select([rule("id", "=", bob)]) == {"bob"}


def test_rules_by_field_id(data: Dataset) -> None:
    by_id = {"field_id": data.field_ids["country"], "operator": "=", "operand": ["US"]}
    assert data.select([by_id]) == {"ann", "bob"}
    both = {**by_id, "field_id": str(data.field_ids["age"]), "field_name": "age", "operand": [30]}
    assert data.select([both]) == {"ann", "eve"}


USER_TYPES = [
    ("all", set(ALL)),
    ("active", {"ann", "bob", "fred"}),
    ("unsubscribed", {"carl"}),
    ("bounced", {"dora"}),
    ("complaint", {"eve"}),
    ("nonactive", {"carl", "dora", "eve"}),
    ("inactive", {"carl", "dora", "eve"}),
    ("ACTIVE", {"ann", "bob", "fred"}),
]


@pytest.mark.parametrize(("user_type", "expected"), USER_TYPES)
def test_user_types(data: Dataset, user_type: str, expected: set[str]) -> None:
    assert data.select([], user_type=user_type) == expected


def test_user_type_with_rules(data: Dataset) -> None:
    assert data.select([rule("email", "_LIKE", "gmail.com")], user_type="active") == {"ann"}
    assert data.select([rule("email", "LIKE", "gmail")], user_type="nonactive") == {"carl", "eve"}


def joined(*rules: dict[str, Any]) -> list[dict[str, Any]]:
    return list(rules)


GROUPS = [
    (
        "or",
        [rule("country", "=", "US", condition="or"), rule("country", "=", "CA")],
        {"ann", "bob", "carl"},
    ),
    (
        "a and b or c: AND binds tighter",
        [
            rule("country", "=", "US", condition="and"),
            rule("age", "=", 30, condition="or"),
            rule("age", "=", 61),
        ],
        {"ann", "fred"},
    ),
    (
        "a and (b or c)",
        [
            rule("country", "=", "US", condition="and"),
            rule("age", "=", 30, condition="or", left_parenthesis=1),
            rule("age", "=", 45, right_parenthesis=1),
        ],
        {"ann", "bob"},
    ),
    (
        "(a or b) and c",
        [
            rule("country", "=", "US", condition="or", left_parenthesis="1"),
            rule("country", "=", "CA", condition="and", right_parenthesis="1"),
            rule("ocx_status", "=", "Active"),
        ],
        {"ann", "bob"},
    ),
    (
        "a or b and c",
        [
            rule("country", "=", "CA", condition="or"),
            rule("age", "=", 30, condition="and"),
            rule("note", "notempty"),
        ],
        {"carl", "ann", "eve"},
    ),
    (
        "((a or b) and c) or d",
        [
            rule("country", "=", "US", condition="or", left_parenthesis=2),
            rule("country", "=", "UK", condition="and", right_parenthesis=1),
            rule("age", "=", 30, condition="or", right_parenthesis=1),
            rule("email", "LIKE_", "dora"),
        ],
        {"ann", "eve", "dora"},
    ),
    (
        "the last rule's condition joins nothing",
        [rule("country", "=", "US", condition="or")],
        {"ann", "bob"},
    ),
]


@pytest.mark.parametrize(("rules", "expected"), [g[1:] for g in GROUPS], ids=[g[0] for g in GROUPS])
def test_conditions_and_parentheses(
    data: Dataset, rules: list[dict[str, Any]], expected: set[str]
) -> None:
    assert data.select(rules) == expected


def test_combined_as_and_ignores_conditions_and_parentheses(data: Dataset) -> None:
    rules = [
        rule("country", "=", "US", condition="or", left_parenthesis=1),
        rule("age", "=", 45, right_parenthesis=1),
    ]
    assert data.select(rules) == {"ann", "bob"}
    assert data.select(rules, combined_as_and=True) == {"bob"}


def test_written_form_is_normalised(data: Dataset) -> None:
    from mailroom.criteria import service

    with data.ctx.db.read() as conn:
        compiled = service.compile_criteria(
            conn,
            data.account.account_id,
            data.list_id,
            [{"field_id": str(data.field_ids["age"]), "operator": ">", "operand": '["3"]'}],
        )
    assert compiled.written() == [
        {
            "field_name": "age",
            "field_id": data.field_ids["age"],
            "type": "numeric",
            "operator": ">",
            "operand": ["3"],
            "case_sensitive": 0,
            "condition": "and",
            "left_parenthesis": 0,
            "right_parenthesis": 0,
        }
    ]


def test_values_json_may_escape(data: Dataset) -> None:
    """Non-ASCII and quoted values are found however the JSON text spells them."""
    from sqlalchemy import update

    from mailroom.db.tables import contacts

    with data.ctx.db.write() as conn:
        conn.execute(
            update(contacts)
            .where(contacts.c.id == data.ids["dora"])
            .values(fields={"country": 'Ünïcode "q"/x', "age": 22.5})
        )
    assert data.select([rule("country", "=", 'Ünïcode "q"/x')]) == {"dora"}
    assert data.select([rule("country", "LIKE", "nïc")]) == {"dora"}
    assert data.select([rule("country", "_LIKE", '"q"/x', **CS)]) == {"dora"}


def test_values_are_bound_never_spliced(data: Dataset) -> None:
    from mailroom.criteria import service

    evil = "x'); DROP TABLE contacts; --"
    rules = [
        rule("country", "=", evil, condition="or"),
        rule("note", "LIKE", evil, condition="or"),
        rule("email", "_LIKE", evil, condition="or", **CS),
        rule("birthday", ">=", "2000-01-01", condition="or"),
        {"field_name": "opened", "operator": "=", "operand": {"days": 3}},
    ]
    with data.ctx.db.read() as conn:
        compiled = service.compile_criteria(
            conn, data.account.account_id, data.list_id, rules, clock=data.ctx.clock
        )
        sql = str(service.matching_ids(compiled).compile(conn))
    for value in ("DROP", "2000-01-01", "country", "note", "$."):
        assert value not in sql, (value, sql)
    assert data.select(rules) == {"dora"}  # born 2000-01-01; nobody opened in the last 3 days


def test_a_numeric_field_holding_text_matches_no_comparison(data: Dataset) -> None:
    """A value written around the field's type (a raw import) is no number, never an error."""
    from sqlalchemy import update

    from mailroom.db.tables import contacts

    with data.ctx.db.write() as conn:
        conn.execute(
            update(contacts)
            .where(contacts.c.id == data.ids["dora"])
            .values(fields={"age": "old", "birthday": "2000-01-01"})
        )
    assert data.select([rule("age", ">", 1)]) == {"ann", "bob", "eve", "fred"}
    assert data.select([rule("age", ">=", 1)]) == {"ann", "bob", "eve", "fred"}
    assert data.select([rule("age", "<", 100)]) == {"ann", "bob", "eve", "fred"}
    assert data.select([rule("age", "><", 0, 100)]) == {"ann", "bob", "eve", "fred"}
    assert data.select([rule("age", ">", 30)]) == {"bob", "fred"}


def test_numbers_past_64_bits_compare_by_value(data: Dataset) -> None:
    """An operand no BIGINT holds still compares (as the nearest float), on every engine."""
    with_age = {"ann", "bob", "dora", "eve", "fred"}
    for huge in ("1e19", 1e19, "9223372036854775808", 123456789012345678901234567890, 1e308):
        assert data.select([rule("age", "<", huge)]) == with_age, huge
        assert data.select([rule("age", ">", huge)]) == set(), huge
        assert data.select([rule("age", "=", huge)]) == set(), huge
    assert data.select([rule("age", "><", -1e30, 1e30)]) == with_age
    assert data.select([rule("ocx_import_id", "<", "99999999999999999999999")]) == set()
