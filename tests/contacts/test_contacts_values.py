"""Typed-value checks for contacts: the fast date path agrees with `fields.formats` exactly."""

from __future__ import annotations

import random

import pytest

from mailroom.contacts.schemas import FieldError
from mailroom.contacts.values import FieldIndex, InvalidContact, _fast_date, parse_email
from mailroom.fields.formats import DATE_FORMATS, InvalidValue, parse_value
from mailroom.fields.service import FieldDef, FieldSchema


def _samples(fmt: str, rnd: random.Random) -> list[str]:
    date_fmt = fmt.split(" ")[0]
    sep = "/" if "/" in date_fmt else "-"
    out = []
    for _ in range(400):
        y = rnd.choice([rnd.randrange(1000, 2100), rnd.randrange(1, 999)])
        parts = {
            "dd": f"{rnd.randrange(0, 33):02d}",
            "mm": f"{rnd.randrange(0, 14):02d}",
            "yyyy": f"{y:04d}",
        }
        text = sep.join(parts[p] for p in date_fmt.split(sep))
        h, m, s = rnd.randrange(0, 26), rnd.randrange(0, 61), rnd.randrange(0, 61)
        tail = rnd.choice(["", f" {h:02d}:{m:02d}", f" {h:02d}:{m:02d}:{s:02d}", f" {h}:{m}", "x"])
        out += [text + tail, f"  {text}{tail} ", text.replace("0", "", 1)]
    return out


@pytest.mark.parametrize("fmt", sorted(DATE_FORMATS))
def test_fast_date_path_matches_the_reference_parser(fmt: str) -> None:
    fast = _fast_date(fmt)
    agreed = 0
    for text in _samples(fmt, random.Random(fmt)):
        try:
            expected = parse_value("date", fmt, text)
        except InvalidValue:
            expected = None
        got = fast(text)
        if got is not None:  # None hands the value to the reference parser
            assert got == expected, text
            agreed += 1
    assert agreed > 20


def _index() -> FieldIndex:
    fields = {
        "email": FieldDef(1, "email", "email", "", None, True),
        "Age": FieldDef(2, "Age", "numeric", "", "7", False),
        "born": FieldDef(3, "born", "date", "mm/dd/yyyy", None, False),
        "plan": FieldDef(4, "plan", "string", "", None, True),
    }
    return FieldIndex(FieldSchema(1, fields))


def test_field_index_parses_names_any_case_and_applies_defaults() -> None:
    index = _index()
    typed = index.parse("k", {"age": "12", "BORN": "12/31/1999 10:00", "plan": ""})
    assert typed == {"Age": 12, "born": "1999-12-31 10:00:00", "plan": None}
    assert index.new_values("k", {"plan": "gold"}) == {"Age": 7, "plan": "gold"}
    assert index.merged("k", {"Age": 1, "plan": "x"}, {"Age": None}) == {"plan": "x"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [({"nope": 1}, "nope"), ({"age": "1,5"}, "Age"), ({"born": "31/12/1999"}, "born")],
)
def test_field_index_names_the_bad_field(raw: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidContact) as caught:
        _index().parse("row 3", raw)
    assert caught.value.error.field == field
    assert caught.value.error.key == "row 3"


def test_mandatory_and_email() -> None:
    with pytest.raises(InvalidContact) as caught:
        _index().new_values("k", {})
    assert caught.value.error == FieldError("k", "plan", "a value is required")
    assert parse_email("k", " Mixed@Case.COM ") == "mixed@case.com"
    with pytest.raises(InvalidContact):
        parse_email("k", "no-at-sign")


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("numeric", "12"),
        ("numeric", " 12 "),
        ("numeric", "-3"),
        ("numeric", "1.50"),
        ("numeric", "1e3"),
        ("numeric", "abc"),
        ("numeric", ""),
        ("string", "plain"),
        ("string", ""),
        ("string", "x" * 70_000),
    ],
)
def test_shortcuts_give_what_parse_value_gives(kind: str, text: str) -> None:
    index = FieldIndex(FieldSchema(1, {"f": FieldDef(1, "f", kind, "", None, False)}))
    try:
        expected: object = parse_value(kind, "", text)
    except InvalidValue:
        expected = InvalidContact
    try:
        got: object = index.parse("k", {"f": text})["f"]
    except InvalidContact:
        got = InvalidContact
    assert got == expected
