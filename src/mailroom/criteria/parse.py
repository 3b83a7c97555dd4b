"""Read Ongage's criteria rules into typed `Rule`s, collecting every problem with its position.

Lenient where clients differ (numbers as strings, ``"0"``/``"1"`` flags, an operand given as the
read form's JSON-encoded string or as one bare value), strict where a guess could select the
wrong contacts (unknown field, a type that does not fit the field, a wrong operand count).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mailroom.criteria.schemas import (
    ALLOWED,
    BEHAVIORAL,
    BEHAVIORS,
    BETWEEN,
    DATE,
    EMAIL,
    MAX_OPERANDS,
    NO_OPERAND,
    NUMERIC,
    OPERATORS,
    RULE_TYPES,
    SEGMENT,
    SEGMENT_FIELD,
    STATUS,
    STRING,
    SYSTEM_FIELDS,
    Behavior,
    Rule,
    problem,
)
from mailroom.fields.formats import DATE_FORMATS, InvalidValue, parse_value
from mailroom.fields.service import FieldDef
from mailroom.kit.bounds import MAX_BIGINT, whole_number

MAX_DAYS = 36_600  # a relative window of at most a hundred years

STATUS_NAMES = {
    "active": "active",
    "unsubscribed": "unsubscribed",
    "unsubscribe": "unsubscribed",
    "bounced": "bounced",
    "bounce": "bounced",
    "complaint": "complaint",
    "complaints": "complaint",
}
_TRUE = frozenset({True, "1", "true", "True"})
_FALSE = frozenset({False, "0", "false", "False", "", None})
_ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_LOOSE_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")


class Bad(ValueError):
    """One problem of one rule: the key at fault and what is wrong."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def flag(value: Any, key: str) -> bool:
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise Bad(key, f"{key} must be 0 or 1")


def count(value: Any, key: str) -> int:
    """A parenthesis count: 0/1 flags as Ongage writes them, or a small whole number."""
    if isinstance(value, bool):
        return int(value)
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Bad(key, f"{key} must be a whole number") from None
    if not 0 <= number <= 20:
        raise Bad(key, f"{key} must be between 0 and 20")
    return number


def when(value: Any, key: str, fmt: str = "") -> tuple[datetime, bool]:
    """A date operand and whether it has a time: Unix seconds, the field's format, ISO or
    ``MM/DD/YYYY`` (the spelling Ongage's report examples name)."""
    if isinstance(value, bool):
        raise Bad(key, f"{value!r} is not a date")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None), True
        except (OverflowError, OSError, ValueError):
            raise Bad(key, f"{value!r} is not a date") from None
    if not isinstance(value, str) or not value.strip():
        raise Bad(key, f"{value!r} is not a date")
    text = value.strip()
    if text.isdigit() and len(text) > 8:
        return when(int(text), key)
    strf = DATE_FORMATS.get(fmt)
    for candidate in ((strf,) if strf else ()) + _ISO_FORMATS + _LOOSE_FORMATS:
        try:
            parsed = datetime.strptime(text, candidate)
        except ValueError:
            continue
        return parsed, "%H" in candidate
    shown = f"the field's format {fmt}, " if strf else ""
    raise Bad(key, f"'{value}' is not a date ({shown}YYYY-MM-DD, MM/DD/YYYY or Unix seconds)")


def operands(raw: Any) -> list[Any]:
    """The operand as a list: arrays as they are, the read form's JSON text decoded, one value
    wrapped; no operand is an empty list."""
    if raw is None:
        return []
    if isinstance(raw, str) and raw.strip().startswith(("[", "{")):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise Bad("operand", "operand is not valid JSON") from None
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict):
        raise Bad("operand", "operand must be an array of values")
    return [raw]


def _scalar(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Bad("operand", f"operand values must be text or numbers, got {json.dumps(value)}")
    return value


def _typed(kind: str, fmt: str, operator: str, values: list[Any]) -> tuple[tuple[Any, ...], bool]:
    """Operands in the form the SQL compares: text, numbers, datetimes, status or segment ids."""
    if operator in NO_OPERAND:
        return (), False
    if not values or all(v in ("", None) for v in values):
        raise Bad("operand", f"operator '{operator}' needs a value")
    if operator == BETWEEN and len(values) != 2:
        raise Bad("operand", f"operator '><' needs exactly 2 values (from, to), got {len(values)}")
    if len(values) > MAX_OPERANDS:
        raise Bad("operand", f"at most {MAX_OPERANDS} values per rule")
    values = [_scalar(v) for v in values]
    has_time = False
    typed: list[Any] = []
    for value in values:
        if kind == NUMERIC:
            try:
                number = parse_value(NUMERIC, "", value)
            except InvalidValue:
                number = None
            if number is None:
                raise Bad("operand", f"'{value}' is not a number")
            typed.append(_comparable(number, value))
        elif kind == DATE:
            moment, timed = when(value, "operand", fmt)
            typed.append(moment)
            has_time = has_time or timed
        elif kind == STATUS:
            name = STATUS_NAMES.get(str(value).strip().lower())
            if name is None:
                raise Bad("operand", f"'{value}' is not a status (Active, Unsubscribed, ...)")
            typed.append(name)
        elif kind == SEGMENT:
            typed.append(_id(value, "segment"))
        else:
            typed.append(str(value))
    if operator == BETWEEN and typed[0] > typed[1]:
        typed.reverse()  # a range given high to low means the same range
    return tuple(typed), has_time


def behavior(name: str, operator: str, raw: Any) -> Behavior:
    """A behavioral operand: ``{"mailing_ids": [...], "from_date", "to_date", "days",
    "include_machine"}``; an array is taken as the mailing ids."""
    action, negated = BEHAVIORS[name]
    if operator == "!=":
        negated = not negated
    if isinstance(raw, str) and raw.strip().startswith(("[", "{")):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise Bad("operand", "operand is not valid JSON") from None
    if raw is None or raw == "":
        raw = {}
    if isinstance(raw, list):
        raw = {"mailing_ids": raw}
    if not isinstance(raw, dict):
        raise Bad("operand", 'a behavioral operand is an object like {"mailing_ids": [...]}')
    unknown = set(raw) - {"mailing_ids", "from_date", "to_date", "days", "include_machine"}
    if unknown:
        raise Bad("operand", f"unknown behavioral operand keys: {', '.join(sorted(unknown))}")
    ids = raw.get("mailing_ids") or []
    if not isinstance(ids, list):
        ids = [ids]
    mailing_ids = [_id(value, "mailing") for value in ids]
    from_ms = to_ms = None
    if raw.get("from_date") not in (None, ""):
        start, _ = when(raw["from_date"], "operand.from_date")
        from_ms = _ms(start)
    if raw.get("to_date") not in (None, ""):
        end, timed = when(raw["to_date"], "operand.to_date")
        to_ms = _ms(end) + (999 if timed else 86_400_000 - 1)  # a day names all of it
    if from_ms is not None and to_ms is not None and from_ms > to_ms:
        raise Bad("operand", "from_date is after to_date")
    machine = flag(raw.get("include_machine", False), "operand.include_machine")
    days = raw.get("days")
    if days not in (None, ""):
        try:
            days = whole_number(days, "days", low=1, high=MAX_DAYS)
        except ValueError:
            days = -1
        if days <= 0 or from_ms is not None:
            raise Bad(
                "operand",
                f"days must be a whole number from 1 to {MAX_DAYS}, without from_date",
            )
        from_ms = -days  # resolved against the clock by the service
    return Behavior(action, negated, tuple(dict.fromkeys(mailing_ids)), from_ms, to_ms, machine)


def _id(value: Any, what: str) -> int:
    """A mailing or segment id: a whole number a BIGINT column can hold (3.5 is no id)."""
    try:
        return whole_number(value, what)
    except ValueError:
        raise Bad("operand", f"'{value}' is not a {what} id") from None


def _comparable(number: int | float, given: Any) -> int | float:
    """A number every backend can bind: an integer past 64 bits becomes the nearest float, which
    each backend compares with the stored numbers by value."""
    if isinstance(number, float) or -MAX_BIGINT - 1 <= number <= MAX_BIGINT:
        return number
    try:
        return float(number)
    except OverflowError:
        raise Bad("operand", f"'{given}' is too large a number") from None


def _ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp()) * 1000


def _target(
    raw: Mapping[str, Any], fields: Mapping[str, FieldDef], by_id: Mapping[int, FieldDef]
) -> tuple[str, str, str, FieldDef | None]:
    """(field name, kind, target, list field) of a rule named by field_id or field_name."""
    name = raw.get("field_name")
    name = name.strip() if isinstance(name, str) else name
    field_id = raw.get("field_id")
    if field_id not in (None, "", 0, "0"):
        try:
            fdef = by_id.get(int(field_id))
        except (TypeError, ValueError):
            fdef = None
        if fdef is None:
            raise Bad("field_id", f"field_id {field_id} is not a field of this list")
        if name not in (None, "") and name != fdef.name:
            raise Bad("field_name", f"field_id {field_id} is the field '{fdef.name}', not '{name}'")
        name = fdef.name
    if not isinstance(name, str) or not name:
        raise Bad("field_name", "field_name (or field_id) is required")
    if name == SEGMENT_FIELD:
        return name, SEGMENT, SEGMENT, None
    if name in BEHAVIORS:
        return name, BEHAVIORAL, name, None
    if name in SYSTEM_FIELDS:
        kind, column = SYSTEM_FIELDS[name]
        return name, kind, column, None
    fdef = fields.get(name)
    if fdef is None:
        raise Bad("field_name", f"'{name}' is not a field of this list")
    kind = EMAIL if fdef.type == EMAIL else fdef.type
    return name, kind, "email" if kind == EMAIL else name, fdef


def _fits(given: Any, kind: str) -> bool:
    """Whether a rule's `type` fits the field's kind (the email field also takes `string`)."""
    if given in (None, ""):
        return True
    if kind == STATUS:
        return bool(given == STRING)
    if kind == EMAIL:
        return given in (EMAIL, STRING)
    return bool(given == kind)


def parse_rule(
    position: int,
    raw: Any,
    fields: Mapping[str, FieldDef],
    by_id: Mapping[int, FieldDef],
) -> Rule:
    """One rule, or `Bad` naming the key at fault."""
    if not isinstance(raw, dict):
        raise Bad("", "each rule must be a JSON object")
    name, kind, target, fdef = _target(raw, fields, by_id)
    given = raw.get("type")
    if given not in (None, "") and given not in RULE_TYPES:
        raise Bad("type", f"type must be one of: {', '.join(RULE_TYPES)}")
    if not _fits(given, kind):
        shown = STRING if kind == STATUS else kind
        raise Bad("type", f"type '{given}' does not fit the field '{name}' ({shown})")
    operator = raw.get("operator")
    operator = operator.strip() if isinstance(operator, str) else operator
    if operator == "==":
        operator = "="
    if isinstance(operator, str) and operator.lower() in ("like", "not like", "like_", "_like"):
        operator = operator.upper()
    if operator not in OPERATORS:
        raise Bad("operator", f"operator must be one of: {', '.join(OPERATORS)}")
    if operator not in ALLOWED[kind]:
        allowed = ", ".join(ALLOWED[kind])
        raise Bad("operator", f"operator '{operator}' does not apply to '{name}' ({allowed})")
    condition = str(raw.get("condition") or "and").strip().lower()
    if condition not in ("and", "or"):
        raise Bad("condition", "condition must be 'and' or 'or'")
    case_sensitive = flag(raw.get("case_sensitive", 0), "case_sensitive")
    left = count(raw.get("left_parenthesis"), "left_parenthesis")
    right = count(raw.get("right_parenthesis"), "right_parenthesis")
    found: Behavior | None = None
    values: tuple[Any, ...] = ()
    has_time = False
    operand: Any
    if kind == BEHAVIORAL:
        found = behavior(name, operator, raw.get("operand"))
        operand = raw.get("operand") if isinstance(raw.get("operand"), dict) else {}
        if not operand and found.mailing_ids:
            operand = {"mailing_ids": [str(i) for i in found.mailing_ids]}
    else:
        listed = operands(raw.get("operand"))
        values, has_time = _typed(kind, fdef.format if fdef else "", operator, listed)
        operand = [v for v in listed if v is not None] if operator not in NO_OPERAND else []
    written = {
        "field_name": name,
        **({"field_id": fdef.id} if fdef is not None else {}),
        "type": STRING if kind == STATUS else kind,
        "operator": operator,
        "operand": operand,
        "case_sensitive": int(case_sensitive),
        "condition": condition,
        "left_parenthesis": left,
        "right_parenthesis": right,
    }
    return Rule(
        position=position,
        field_name=name,
        kind=kind,
        target=target,
        operator=operator,
        values=values,
        case_sensitive=case_sensitive,
        condition=condition,
        left=left,
        right=right,
        field_id=fdef.id if fdef else None,
        behavior=found,
        has_time=has_time,
        written=written,
    )


def read_rules(raw: Any) -> list[Any]:
    """The rules array: a list, or the same list as JSON text; None is no rules."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise Bad("", "criteria is not valid JSON") from None
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise Bad("", "criteria must be an array of rules")
    return raw


def named(raw: Any) -> str:
    """The field a raw rule names, for error messages (whatever it is)."""
    if isinstance(raw, dict):
        for key in ("field_name", "field_id"):
            if raw.get(key) not in (None, ""):
                return str(raw[key])
    return ""


__all__ = ["Bad", "named", "parse_rule", "problem", "read_rules"]
