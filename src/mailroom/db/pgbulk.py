"""PostgreSQL's raw bulk paths: typed array literals for unnest, and binary COPY staging.

psycopg's per-element array dumping and SQLAlchemy's per-row work cost more than the database;
these build the arrays as text and stage large batches with COPY instead.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Boolean, Connection, Integer, SmallInteger, String, Table


def cast_type(conn: Connection, table: Table, column: str) -> str:
    """A column's type as a PostgreSQL cast target: without its collation (``COLLATE`` is not
    part of a type name; comparisons with the column take the column's collation anyway)."""
    kind = table.c[column].type.dialect_impl(conn.dialect)
    if isinstance(kind, String) and kind.collation:
        bare = copy.copy(kind)  # the table's own type keeps its collation
        bare.collation = None
        kind = bare
    return str(kind.compile(dialect=conn.dialect))


def array_cast(conn: Connection, table: Table, column: str) -> str:
    return f"%s::{cast_type(conn, table, column)}[]"


def array_literal(values: Sequence[Any], numeric: bool) -> str:
    """A PostgreSQL array literal: psycopg's per-element array dumping is far slower."""
    if numeric:  # ints and bools print as PostgreSQL reads them; None becomes NULL
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    if all(type(v) is str for v in values):
        joined = '","'.join(values)
        if "\\" not in joined and joined.count('"') == 2 * (len(values) - 1):
            return '{"' + joined + '"}'  # nothing to escape: no quote or backslash in a value
    return "{" + ",".join([quoted(v) for v in values]) + "}"


def quoted(value: Any) -> str:
    if value is None:
        return "NULL"
    text = value if type(value) is str else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def column_arrays(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """One array literal per column of ``rows``."""
    if not rows:
        return ["{}"] * len(columns)
    return arrays_of(table, columns, list(zip(*rows, strict=True)))


def arrays_of(table: Table, columns: Sequence[str], values: Sequence[Sequence[Any]]) -> list[str]:
    """One array literal per column, given each column's values."""
    numeric = [isinstance(table.c[c].type, Integer | Boolean) for c in columns]
    return [array_literal(col, n) for col, n in zip(values, numeric, strict=True)]


# PostgreSQL binary COPY types of the column types staged rows may have (JSON goes as text).
COPY_TYPES = (
    (SmallInteger, "int2"),
    (BigInteger, "int8"),
    (Integer, "int4"),
    (Boolean, "bool"),
)
STAGE_MIN_ROWS = 64  # fewer rows go inline as array literals: one round trip instead of three


def copy_type(table: Table, column: str) -> str:
    """The binary COPY type of a column: text for text and for JSON (its binary form is text)."""
    kind = table.c[column].type
    for cls, name in COPY_TYPES:  # BigInteger and SmallInteger subclass Integer: first wins
        if isinstance(kind, cls):
            return name
    return "text"


def stage_source(
    conn: Connection,
    cur: Any,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    order: Sequence[str] = (),
) -> tuple[str, Sequence[Any]]:
    """A ``SELECT`` of ``rows`` typed as ``table``'s ``columns``, and its parameters.

    Inside a transaction, many rows are binary-COPYed into a temporary table of this session
    (emptied first, and at commit) and selected from it, sorted by the ``order`` columns: COPY
    costs the client and the server several times less than array literals. Otherwise arrays
    are unnested in the order given.
    """
    if len(rows) < STAGE_MIN_ROWS or cur.connection.info.transaction_status.name != "INTRANS":
        arrays = ", ".join(array_cast(conn, table, c) for c in columns)
        return f"SELECT * FROM unnest({arrays})", column_arrays(table, columns, rows)
    quote = conn.dialect.identifier_preparer.quote
    kinds = [copy_type(table, c) for c in columns]
    shape = hashlib.sha1(" ".join(kinds).encode()).hexdigest()[:10]  # names stay < 63 bytes
    stage = quote(f"stage_{table.name}_{shape}")
    defs = ", ".join(f"c{i} {kind}" for i, kind in enumerate(kinds))
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({defs}) ON COMMIT DELETE ROWS;"
        f" DELETE FROM {stage}"
    )
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    with cur.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(kinds)
        for row in rows:
            copy.write_row(row)
    casts = ", ".join(f"c{i}::{cast_type(conn, table, c)}" for i, c in enumerate(columns))
    by = ", ".join(f"c{columns.index(c)}" for c in order)
    return f"SELECT {casts} FROM {stage}" + (f" ORDER BY {by}" if by else ""), ()


def copy_new(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bool:
    """COPY many rows straight into ``table`` if none clashes on a unique index; else nothing.

    The usual batch is all new: a plain binary COPY then costs the server a good part less than
    ``INSERT .. ON CONFLICT``. A clash (a key stored before, or by a concurrent transaction)
    rolls back to a savepoint and returns False, for the caller's conflict-aware insert.
    """
    raw: Any = conn.connection.dbapi_connection
    if len(rows) < STAGE_MIN_ROWS or raw.info.transaction_status.name != "INTRANS":
        return False
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT mailroom_copy_new")
        try:
            with cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([copy_type(table, c) for c in columns])
                for row in rows:
                    copy.write_row(row)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) != "23505":  # unique_violation
                raise
            cur.execute("ROLLBACK TO SAVEPOINT mailroom_copy_new")
            return False
        cur.execute("RELEASE SAVEPOINT mailroom_copy_new")
    return True


_sequences: dict[str, str] = {}


def next_ids(raw: Any, table: Table, count: int) -> list[int]:
    """``count`` values of the sequence behind ``table.id`` (a driver connection's cursor)."""
    with raw.cursor() as cur:
        sequence = _sequences.get(table.name)
        if sequence is None:  # looked up once: per row it would cost more than nextval
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table.name,))
            sequence = _sequences[table.name] = str(cur.fetchone()[0])
        cur.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (sequence, count))
        return [int(r[0]) for r in cur.fetchall()]
