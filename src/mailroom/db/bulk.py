"""Bulk statements that skip SQLAlchemy's per-row work, one function each for both backends.

Rows are tuples and go to the driver as they are (JSON columns take already-serialised text).
PostgreSQL's forms are in `pgbulk` (arrays, COPY), SQLite's in `sqlitebulk` (chunked VALUES,
JSON-array fetches).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table

from mailroom.db import pgbulk, sqlitebulk
from mailroom.kit import jsonx


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
    if isinstance(rows, list):  # counted by its length: no Python call per row on the way
        _load(conn, raw, table, names, len(columns), rows)
        return len(rows)
    counted = _Counting(rows)
    _load(conn, raw, table, names, len(columns), counted)
    return counted.count


def _load(conn: Connection, raw: Any, table: Table, names: str, width: int, rows: Any) -> None:
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        return
    marks = ", ".join("?" * width)
    cur = raw.cursor()
    try:
        cur.executemany(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", rows)
    finally:
        cur.close()


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
        arrays = ", ".join(pgbulk.array_cast(conn, table, c) for c in columns)
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
    *,
    unless_newer: str | None = None,
) -> None:
    """Set ``columns`` on many rows found by ``key``; each row is (key value, *column values).

    One ``UPDATE .. FROM unnest(arrays)`` on PostgreSQL, ``UPDATE .. FROM (VALUES ..)``
    statements on SQLite (an executemany when a key repeats, so the last of its rows wins).
    JSON columns take already-serialised text. With ``unless_newer`` (one of ``columns``), a
    row whose stored value of that column is greater than the new one is left alone.
    """
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        all_columns = [key, *columns]
        arrays = ", ".join(pgbulk.array_cast(conn, table, c) for c in all_columns)
        aliases = ", ".join(f"c{i}" for i in range(len(all_columns)))
        sets = ", ".join(f"{quote(c)} = v.c{i + 1}" for i, c in enumerate(columns))
        sql = (
            f"UPDATE {name} SET {sets} FROM unnest({arrays}) AS v({aliases})"
            f" WHERE {name}.{quote(key)} = v.c0"
        )
        if unless_newer is not None:
            sql += f" AND {name}.{quote(unless_newer)} <= v.c{columns.index(unless_newer) + 1}"
        with raw.cursor() as cur:
            cur.execute(sql, pgbulk.column_arrays(table, all_columns, rows))
        return
    cur = raw.cursor()
    try:
        if len({r[0] for r in rows}) == len(rows):  # one source row per target: a joined UPDATE
            sets = ", ".join(f"{quote(c)} = v.column{i + 2}" for i, c in enumerate(columns))
            where = f"{name}.{quote(key)} = v.column1"
            if unless_newer is not None:
                at = columns.index(unless_newer) + 2
                where += f" AND {name}.{quote(unless_newer)} <= v.column{at}"
            for values, params in sqlitebulk.chunks(rows, len(columns) + 1):
                cur.execute(f"UPDATE {name} SET {sets} FROM ({values}) AS v WHERE {where}", params)
            return
        sets = ", ".join(f"{quote(c)} = ?" for c in columns)
        where = f"{quote(key)} = ?"
        params = [(*r[1:], r[0]) for r in rows]
        if unless_newer is not None:
            at = columns.index(unless_newer) + 1
            where += f" AND {quote(unless_newer)} <= ?"
            params = [(*r[1:], r[0], r[at]) for r in rows]
        cur.executemany(f"UPDATE {name} SET {sets} WHERE {where}", params)  # later rows win
    finally:
        cur.close()


def insert_many_returning(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str],
    conflict: Sequence[str] = (),
    conflict_where: str = "",
    order: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert tuples, skipping clashes on the ``conflict`` index; return the stored rows' values.

    One ``INSERT .. SELECT`` on PostgreSQL, multi-row VALUES on SQLite. ``conflict_where`` is
    the SQL predicate of a partial unique index. JSON columns take already-serialised text.
    Rows go in by the ``order`` columns (given in that order, they keep it): concurrent
    inserts of the same keys then lock them in the same order and wait instead of deadlocking.
    """
    if not rows:
        return []
    if order:
        rows = sorted(rows, key=itemgetter(*(columns.index(c) for c in order)))
    quote = conn.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)})"
    tail = ""
    if conflict:
        where = f" WHERE {conflict_where}" if conflict_where else ""
        tail = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}){where} DO NOTHING"
    tail += f" RETURNING {', '.join(quote(c) for c in returning)}"
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur:
            source, params = pgbulk.stage_source(conn, cur, table, columns, rows, order)
            cur.execute(f"{head} {source}{tail}", params)
            return [tuple(r) for r in cur.fetchall()]
    out: list[tuple[Any, ...]] = []
    cur = raw.cursor()
    try:
        for values, params in sqlitebulk.chunks(rows, len(columns)):
            cur.execute(f"{head} {values}{tail}", params)
            out.extend(cur.fetchall())
    finally:
        cur.close()
    return out


def insert_many_ids(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    conflict_where: str = "",
) -> set[int]:
    """Insert tuples whose first column is a fresh ``id`` (`reserve_ids`), skipping clashes on
    the ``conflict`` index; return the ids stored.

    PostgreSQL returns them from the INSERT. SQLite inserts without RETURNING (a step per
    returned row) and then asks which of the ids are missing: one statement each way.
    """
    if conn.dialect.name == "postgresql":
        if pgbulk.copy_new(conn, table, columns, rows):
            return {row[0] for row in rows}
        made = insert_many_returning(
            conn,
            table,
            columns,
            rows,
            returning=("id",),
            conflict=conflict,
            conflict_where=conflict_where,
            order=columns[:1],  # the ids were drawn in the order of the rows
        )
        return {r[0] for r in made}
    if not rows:
        return set()
    quote = conn.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)})"
    where = f" WHERE {conflict_where}" if conflict_where else ""
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}){where} DO NOTHING"
    sqlitebulk.execute_chunked(conn, head, tail, rows, len(columns))
    ids = [row[0] for row in rows]
    return set(ids) - missing_keys(conn, table, columns[0], ids)


def upsert_add_many(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    keys: Sequence[str],
    add: Sequence[str] = (),
    greatest: Sequence[str] = (),
    least: Sequence[str] = (),
) -> None:
    """`upsert_add` for tuples in one driver call; keys must not repeat within ``rows``.

    Give the rows in key order: they are locked in that order (staged rows are sorted again by
    key), so concurrent batches wait for each other's shared rows instead of deadlocking.
    """
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    pg = conn.dialect.name == "postgresql"
    sets = [f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in add]
    for names, fn in ((greatest, "greatest" if pg else "max"), (least, "least" if pg else "min")):
        for c in names:
            mine, theirs = f"{name}.{quote(c)}", f"excluded.{quote(c)}"
            # PostgreSQL's greatest/least skip NULLs; SQLite's two-argument max/min give NULL
            # if either is NULL.
            both = f"{fn}({mine}, {theirs})"
            sets.append(f"{quote(c)} = {both if pg else f'coalesce({both}, {mine}, {theirs})'}")
    head = f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)})"
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in keys)}) DO UPDATE SET {', '.join(sets)}"
    raw: Any = conn.connection.dbapi_connection
    if pg:
        with raw.cursor() as cur:
            source, params = pgbulk.stage_source(conn, cur, table, columns, rows, order=keys)
            cur.execute(f"{head} {source}{tail}", params)
        return
    sqlitebulk.execute_chunked(conn, head, tail, rows, len(columns))


def fetch_in(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    keys: Sequence[str],
    values: Iterable[Sequence[Any]],
    *,
    equals: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows whose ``keys`` tuple is among ``values`` (and whose ``equals`` columns match).

    PostgreSQL joins one ``unnest`` of arrays; SQLite walks one JSON array of the keys and
    answers with one JSON array of the rows (`json_rows`). Either way one statement
    and no per-row SQLAlchemy work.
    """
    wanted = list(values)
    if not wanted:
        return []
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    cols = ", ".join(f"{name}.{quote(c)}" for c in columns)
    filters = list((equals or {}).items())
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        # Each key probes the table's index (the OFFSET 0 subquery keeps the planner from
        # hashing the whole table instead, which it does when its statistics are stale).
        arrays = ", ".join(pgbulk.array_cast(conn, table, k) for k in keys)
        aliases = ", ".join(f"k{i}" for i in range(len(keys)))
        on = " AND ".join(f"{name}.{quote(k)} = w.k{i}" for i, k in enumerate(keys))
        where = "".join(f" AND {name}.{quote(c)} = %s" for c, _ in filters)
        sql = (
            f"SELECT x.* FROM unnest({arrays}) AS w({aliases}) CROSS JOIN LATERAL"
            f" (SELECT {cols} FROM {name} WHERE {on}{where} OFFSET 0) AS x"
        )
        key_columns: list[Sequence[Any]]
        if len(keys) == 1:  # sorted: probes in index order touch fewer pages
            key_columns = [_sorted([row[0] for row in wanted])]
        else:
            key_columns = list(zip(*_sorted(wanted), strict=True))
        params = [*pgbulk.arrays_of(table, keys, key_columns), *(v for _, v in filters)]
        with raw.cursor() as cur:
            cur.execute(sql, params)
            found: list[tuple[Any, ...]] = cur.fetchall()  # tuples: psycopg's default rows
            return found
    # The wanted keys travel as one JSON array that json_each walks, each probing the table's
    # index (CROSS JOIN keeps that order): far cheaper than thousands of bound IN-list values.
    if len(keys) == 1:
        on = f"{name}.{quote(keys[0])} = w.value"
        array = jsonx.dumps(list(dict.fromkeys(row[0] for row in wanted)))
    else:
        on = " AND ".join(
            f"{name}.{quote(k)} = json_extract(w.value, '$[{i}]')" for i, k in enumerate(keys)
        )
        array = jsonx.dumps(list(dict.fromkeys(tuple(row) for row in wanted)))
    where = "".join(f" AND {name}.{quote(c)} = ?" for c, _ in filters)
    return sqlitebulk.json_rows(
        raw,
        cols,
        f"FROM json_each(?) AS w CROSS JOIN {name} ON {on}{where}",
        [array.decode(), *(v for _, v in filters)],
    )


def _sorted(rows: list[Any]) -> list[Any]:
    try:
        return sorted(rows)
    except TypeError:  # keys mixing None or types that do not compare: keep the order given
        return rows


def missing_keys(conn: Connection, table: Table, key: str, values: Iterable[Any]) -> set[Any]:
    """The ``values`` no row of ``table`` has as ``key`` (usually none: a cheap existence check)."""
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return set()
    quote = conn.dialect.identifier_preparer.quote
    name, column = quote(table.name), quote(key)
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        sql = (
            f"SELECT w.k FROM unnest({pgbulk.array_cast(conn, table, key)}) AS w(k)"
            f" WHERE NOT EXISTS (SELECT 1 FROM {name} WHERE {name}.{column} = w.k)"
        )
        with raw.cursor() as cur:
            cur.execute(sql, pgbulk.column_arrays(table, (key,), [(v,) for v in wanted]))
            return {r[0] for r in cur.fetchall()}
    rest = (
        f"FROM json_each(?) AS w"
        f" WHERE NOT EXISTS (SELECT 1 FROM {name} WHERE {name}.{column} = w.value)"
    )
    return {
        r[0] for r in sqlitebulk.json_rows(raw, "w.value", rest, [jsonx.dumps(wanted).decode()])
    }


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, so a bulk insert knows each row's id upfront.

    PostgreSQL draws them from the column's sequence; SQLite continues after the current
    maximum, which is safe because SQLite writers hold the database lock for the transaction.
    """
    if count <= 0:
        return []
    quote = conn.dialect.identifier_preparer.quote
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        return pgbulk.next_ids(raw, table, count)
    cur = raw.cursor()
    try:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {quote(table.name)}")
        high = int(cur.fetchone()[0])
    finally:
        cur.close()
    return list(range(high + 1, high + 1 + count))
