"""The few SQL forms that differ between SQLite and PostgreSQL, one function each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table
from sqlalchemy.dialects import postgresql, sqlite


def _insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert_add(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Iterable[str],
    add: Iterable[str] = (),
    greatest: Iterable[str] = (),
    least: Iterable[str] = (),
) -> None:
    """Insert rows; on a key clash add the ``add`` columns and keep the max/min of the others."""
    if not rows:
        return
    stmt = _insert(conn, table)
    ex = stmt.excluded
    sets: dict[str, Any] = {}
    for name in add:
        sets[name] = table.c[name] + ex[name]
    fn_max = "greatest" if conn.dialect.name == "postgresql" else "max"
    fn_min = "least" if conn.dialect.name == "postgresql" else "min"
    from sqlalchemy import func

    for name in greatest:
        sets[name] = func.coalesce(
            getattr(func, fn_max)(table.c[name], ex[name]), table.c[name], ex[name]
        )
    for name in least:
        sets[name] = func.coalesce(
            getattr(func, fn_min)(table.c[name], ex[name]), table.c[name], ex[name]
        )
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=sets)
    conn.execute(stmt, list(rows))


def insert_ignore_returning(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str],
    index_elements: Sequence[str],
    index_where: Any = None,
) -> list[Any]:
    """Insert rows, skipping those that clash on a unique index; return what was inserted."""
    if not rows:
        return []
    stmt = (
        _insert(conn, table)
        .on_conflict_do_nothing(index_elements=list(index_elements), index_where=index_where)
        .returning(*[table.c[n] for n in returning])
    )
    result = conn.execute(stmt, list(rows))
    return list(result.all())


def insert_ignore(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    index_elements: Sequence[str],
    index_where: Any = None,
) -> None:
    if not rows:
        return
    stmt = _insert(conn, table).on_conflict_do_nothing(
        index_elements=list(index_elements), index_where=index_where
    )
    conn.execute(stmt, list(rows))


def for_update_skip_locked(conn: Connection, query: Select[Any]) -> Select[Any]:
    """Row claim for job workers: SKIP LOCKED on PostgreSQL; SQLite serialises writers anyway."""
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def json_without_key(conn: Connection, column: Any, key: str) -> Any:
    """The JSON object in ``column`` minus ``key`` (an identifier-like name)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import JSON, cast
        from sqlalchemy.dialects.postgresql import JSONB

        return cast(cast(column, JSONB).op("-")(key), JSON)
    from sqlalchemy import func

    return func.json_remove(column, f'$."{key}"')


def bulk_load(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Append many rows fast: COPY on PostgreSQL, executemany on SQLite; return the row count.

    Values go to the driver as they are: JSON columns take already-serialised text. The rows
    join the connection's current transaction.
    """
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    raw: Any = conn.connection.dbapi_connection
    counted = _Counting(rows)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as cp:
            for row in counted:
                cp.write_row(row)
        return counted.count
    marks = ", ".join("?" for _ in columns)
    cur = raw.cursor()
    try:
        cur.executemany(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", counted)
    finally:
        cur.close()
    return counted.count


class _Counting:
    """An iterator that counts what passes through it (executemany reports no total)."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._rows = iter(rows)
        self.count = 0

    def __iter__(self) -> _Counting:
        return self

    def __next__(self) -> Sequence[Any]:
        row = next(self._rows)
        self.count += 1
        return row


def _pg_array_type(conn: Connection, table: Table, column: str) -> str:
    return f"{table.c[column].type.compile(dialect=conn.dialect)}[]"


def insert_many_ignore(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    index_elements: Sequence[str],
) -> int:
    """Insert many rows (tuples) in one driver call, skipping key clashes; the count inserted.

    PostgreSQL gets one ``INSERT .. SELECT FROM unnest(arrays)`` statement, SQLite one
    executemany: no per-row SQLAlchemy work. JSON columns take already-serialised text.
    """
    if not rows:
        return 0
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    keys = ", ".join(quote(c) for c in index_elements)
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{_pg_array_type(conn, table, c)}" for c in columns)
        sql = (
            f"INSERT INTO {quote(table.name)} ({names}) SELECT * FROM unnest({arrays})"
            f" ON CONFLICT ({keys}) DO NOTHING"
        )
        with raw.cursor() as cur:
            cur.execute(sql, [list(col) for col in zip(*rows, strict=True)])
            return int(cur.rowcount)
    marks = ", ".join("?" for _ in columns)
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
        f" ON CONFLICT ({keys}) DO NOTHING"
    )
    cur = raw.cursor()
    try:
        cur.executemany(sql, rows)
        return int(cur.rowcount)
    finally:
        cur.close()


def update_many(
    conn: Connection,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Set ``columns`` on many rows found by ``key``; each row is (key value, *column values).

    One ``UPDATE .. FROM unnest(arrays)`` on PostgreSQL, one executemany on SQLite.
    JSON columns take already-serialised text.
    """
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        all_columns = [key, *columns]
        arrays = ", ".join(f"%s::{_pg_array_type(conn, table, c)}" for c in all_columns)
        aliases = ", ".join(f"c{i}" for i in range(len(all_columns)))
        sets = ", ".join(f"{quote(c)} = v.c{i + 1}" for i, c in enumerate(columns))
        sql = (
            f"UPDATE {name} SET {sets} FROM unnest({arrays}) AS v({aliases})"
            f" WHERE {name}.{quote(key)} = v.c0"
        )
        with raw.cursor() as cur:
            cur.execute(sql, [list(col) for col in zip(*rows, strict=True)])
        return
    sets = ", ".join(f"{quote(c)} = ?" for c in columns)
    cur = raw.cursor()
    try:
        cur.executemany(
            f"UPDATE {name} SET {sets} WHERE {quote(key)} = ?", [(*r[1:], r[0]) for r in rows]
        )
    finally:
        cur.close()


def in_values(conn: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)`` as a single bound array, so big batches compile once and stay fast.

    PostgreSQL: ``= ANY(array)``; SQLite: ``IN (SELECT value FROM json_each(json array))``.
    """
    from sqlalchemy import ARRAY, any_, bindparam, func, select

    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    from mailroom.kit import jsonx

    array: Any = bindparam(None, jsonx.dumps(list(values)).decode())
    return column.in_(select(func.json_each(array).table_valued("value").c.value))


# --- raw bulk forms for the event ingest path (no per-row SQLAlchemy work) -----------------------

_SQLITE_ROWS = 500  # rows per multi-row VALUES statement (params stay far below SQLite's limit)
