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
