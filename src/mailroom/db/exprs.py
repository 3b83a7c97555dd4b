"""SQL expressions that differ between SQLite, PostgreSQL and the replica's DuckDB: JSON values
and text matching.

Each function takes the connection the expression is for, or `DUCKDB` for SQL that the replica
runs (rendered through PostgreSQL's compiler, whose syntax DuckDB shares). Every value is a
bound parameter; JSON paths are bound too. A key whose stored value has the wrong JSON type (a
field whose type changed after values were written) reads as NULL rather than failing a cast.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    String,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

DUCKDB = "duckdb"
Target = Connection | str  # a main-database connection, or DUCKDB


def _engine(target: Target) -> str:
    return target if isinstance(target, str) else target.dialect.name


def _postgres(conn: Target) -> bool:
    """PostgreSQL's form, which DuckDB shares where it is not named otherwise."""
    return _engine(conn) in ("postgresql", DUCKDB)


class _TryDouble(FunctionElement[float]):
    """DuckDB's ``TRY_CAST(x AS DOUBLE)``: NULL for text that is not a number."""

    type = Float()
    inherit_cache = True
    name = "try_double"


@compiles(_TryDouble)
def _try_double(element: _TryDouble, compiler: SQLCompiler, **kw: Any) -> str:
    return f"TRY_CAST({compiler.process(element.clauses, **kw)} AS DOUBLE)"


def _path(key: str) -> Any:
    return bindparam(None, f'$."{key}"', type_=String)


def json_text(conn: Target, column: Any, key: str) -> ColumnElement[Any]:
    """The text under `key` of a JSON object column (numbers as their text), NULL when absent."""
    if _engine(conn) == DUCKDB:
        return func.json_extract_string(column, _path(key), type_=String)  # type: ignore[no-any-return]
    if _postgres(conn):
        return column.op("->>", return_type=String)(bindparam(None, key, type_=String))  # type: ignore[no-any-return]
    return cast(func.json_extract(column, _path(key)), String)


def json_number(conn: Target, column: Any, key: str) -> ColumnElement[Any]:
    """The number under `key`, NULL when absent; compare it with `number_compare`.

    PostgreSQL and DuckDB: NULL too when the value is not a JSON number (DuckDB reads the JSON
    text, where a string keeps its quotes and so is no number). SQLite: the value as stored,
    parsed once; a text value there is kept out by `number_compare`.
    """
    if _engine(conn) == DUCKDB:
        return _TryDouble(cast(func.json_extract(column, _path(key)), String))
    if _postgres(conn):
        name = bindparam(None, key, type_=String)
        return case(
            (
                func.json_typeof(column.op("->")(name)) == "number",
                cast(column.op("->>")(name), Float),
            ),
            else_=None,
        )
    return func.json_extract(column, _path(key))


def number_compare(conn: Target, expr: Any, op: str, value: float) -> ColumnElement[bool]:
    """`expr op value` for a `json_number`, true only for numbers.

    SQLite orders every text after every number, so ``>``/``>=`` become a BETWEEN up to
    infinity (BETWEEN reads its operand once; a type test would parse the JSON again).
    """
    if op in ("=", "!="):
        return expr == value  # type: ignore[no-any-return]
    if op == "<":
        return expr < value  # type: ignore[no-any-return]
    if op == "<=":
        return expr <= value  # type: ignore[no-any-return]
    if _postgres(conn):
        return (expr >= value) if op == ">=" else (expr > value)  # type: ignore[no-any-return]
    low = value if op == ">=" else math.nextafter(float(value), math.inf)
    return expr.between(low, math.inf)  # type: ignore[no-any-return]


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _escape_glob(value: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in value)


def text_match(
    conn: Target, expr: Any, value: str, where: str, *, case_sensitive: bool
) -> ColumnElement[bool]:
    """`expr` contains (`where`="in"), starts with ("start") or ends with ("end") `value`.

    Case-insensitive: ``lower(expr) LIKE lower(pattern)`` on both backends. Case-sensitive:
    LIKE on PostgreSQL; GLOB on SQLite, whose LIKE ignores case.
    """
    before = "" if where == "start" else "%"
    after = "" if where == "end" else "%"
    if not case_sensitive:
        # Folded by the database on both sides, so alike (SQLite's lower() is ASCII only).
        pattern = func.lower(literal(before + _escape_like(value) + after, String))
        return func.lower(expr).like(pattern, escape="\\")  # type: ignore[no-any-return]
    if _postgres(conn):
        return expr.like(literal(before + _escape_like(value) + after, String), escape="\\")  # type: ignore[no-any-return]
    glob = before.replace("%", "*") + _escape_glob(value) + after.replace("%", "*")
    return expr.op("GLOB", is_comparison=True)(literal(glob, String))  # type: ignore[no-any-return]


def raw_contains(
    conn: Target, column: Any, value: str, *, case_sensitive: bool
) -> ColumnElement[bool] | None:
    """Whether a JSON column's stored text contains `value`: a cheap necessary condition to
    test before parsing the JSON, for values JSON writes verbatim (see `verbatim`); None where
    the test would cost more than the parse it saves.

    PostgreSQL: strpos for exact case; its ILIKE (locale case folding over the whole text) cost
    twice a `->>` in a measurement, so case-insensitive rules go without. SQLite: instr, or
    LIKE, which folds ASCII case only, as its lower() does.
    """
    if _postgres(conn):
        if not case_sensitive:
            return None
        return func.strpos(cast(column, Text), literal(value, String)) > 0
    stored = type_coerce(column, Text)  # SQLite keeps JSON as text: no cast needed
    if case_sensitive:
        return func.instr(stored, literal(value, String)) > 0
    return stored.like(literal("%" + _escape_like(value) + "%", String), escape="\\")


def verbatim(value: str) -> bool:
    """Whether JSON text always holds `value` as is: printable ASCII without quote, backslash
    or slash (serializers escape the first two, some the slash and non-ASCII)."""
    return bool(value) and all(" " <= c <= "~" and c not in '"\\/' for c in value)
