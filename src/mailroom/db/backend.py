"""The few SQL forms that differ between SQLite and PostgreSQL, one function each."""

from __future__ import annotations

import copy
import hashlib
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Engine,
    Integer,
    Select,
    SmallInteger,
    String,
    Table,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

from mailroom.kit import jsonx

_queues: dict[str, tuple[threading.Lock, int | None]] = {}
_queues_lock = threading.Lock()


@contextmanager
def writer_queue(engine: Engine) -> Iterator[None]:
    """Wait in line for SQLite's one writer; nothing on PostgreSQL, where writers run together.

    A thread lock and a lock file beside the database (`<file>-writers.lock`) let a waiting
    writer start the moment the previous one commits; SQLite's own busy handler would sleep
    and poll, up to 100 ms at a time. Writers that do not queue stay correct: SQLite's locks
    still decide.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    path = engine.url.database or ""
    with _queues_lock:
        queue = _queues.get(path)
        if queue is None:
            fd = None
            if path not in ("", ":memory:") and sys.platform != "win32":
                try:
                    fd = os.open(f"{path}-writers.lock", os.O_RDWR | os.O_CREAT, 0o644)
                except OSError:  # e.g. a read-only folder: queue this process's threads only
                    fd = None
            queue = _queues[path] = (threading.Lock(), fd)
    lock, fd = queue
    with lock:
        if fd is None or sys.platform == "win32":  # other processes: SQLite's busy handler
            yield
            return
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


# Values bound per multi-row statement on SQLite (its limit is 32,766). Few long statements
# rather than executemany's one step per row: the sqlite3 module releases the GIL around every
# step, so beside a busy thread each row would wait for the GIL again (a convoy).
_SQLITE_VALUES = 6000


def _sqlite_chunks(rows: Sequence[Sequence[Any]], width: int) -> Iterator[tuple[str, list[Any]]]:
    """(``VALUES (?, ..), ..`` text, flat parameters) for each chunk of ``rows``."""
    one = "(" + ", ".join("?" for _ in range(width)) + ")"
    size = max(1, _SQLITE_VALUES // width)
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        yield "VALUES " + ", ".join(one for _ in chunk), list(chain.from_iterable(chunk))


def _sqlite_chunked(
    conn: Connection, head: str, tail: str, rows: Sequence[Sequence[Any]], width: int
) -> None:
    """``{head} VALUES ..{tail}`` over ``rows`` in as few statements as SQLite's limits allow."""
    raw: Any = conn.connection.dbapi_connection
    cur = raw.cursor()
    try:
        for values, params in _sqlite_chunks(rows, width):
            cur.execute(f"{head} {values}{tail}", params)
    finally:
        cur.close()


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
        arrays = ", ".join(_pg_cast(conn, table, c) for c in columns)
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
        arrays = ", ".join(_pg_cast(conn, table, c) for c in all_columns)
        aliases = ", ".join(f"c{i}" for i in range(len(all_columns)))
        sets = ", ".join(f"{quote(c)} = v.c{i + 1}" for i, c in enumerate(columns))
        sql = (
            f"UPDATE {name} SET {sets} FROM unnest({arrays}) AS v({aliases})"
            f" WHERE {name}.{quote(key)} = v.c0"
        )
        if unless_newer is not None:
            sql += f" AND {name}.{quote(unless_newer)} <= v.c{columns.index(unless_newer) + 1}"
        with raw.cursor() as cur:
            cur.execute(sql, _pg_columns(table, all_columns, rows))
        return
    cur = raw.cursor()
    try:
        if len({r[0] for r in rows}) == len(rows):  # one source row per target: a joined UPDATE
            sets = ", ".join(f"{quote(c)} = v.column{i + 2}" for i, c in enumerate(columns))
            where = f"{name}.{quote(key)} = v.column1"
            if unless_newer is not None:
                at = columns.index(unless_newer) + 2
                where += f" AND {name}.{quote(unless_newer)} <= v.column{at}"
            for values, params in _sqlite_chunks(rows, len(columns) + 1):
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


def in_values(conn: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)`` as a single bound array, so big batches compile once and stay fast.

    PostgreSQL: ``= ANY(array)``; SQLite: ``IN (SELECT value FROM json_each(json array))``.
    """
    from sqlalchemy import ARRAY, any_, bindparam, func, select

    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    array: Any = bindparam(None, jsonx.dumps(list(values)).decode())
    return column.in_(select(func.json_each(array).table_valued("value").c.value))


# --- raw bulk forms for the event ingest path (no per-row SQLAlchemy work) -----------------------


def _pg_type(conn: Connection, table: Table, column: str) -> str:
    """A column's type as a PostgreSQL cast target: without its collation (``COLLATE`` is not
    part of a type name; comparisons with the column take the column's collation anyway)."""
    kind = table.c[column].type.dialect_impl(conn.dialect)
    if isinstance(kind, String) and kind.collation:
        bare = copy.copy(kind)  # the table's own type keeps its collation
        bare.collation = None
        kind = bare
    return str(kind.compile(dialect=conn.dialect))


def _pg_cast(conn: Connection, table: Table, column: str) -> str:
    return f"%s::{_pg_type(conn, table, column)}[]"


def _pg_array(values: Sequence[Any], numeric: bool) -> str:
    """A PostgreSQL array literal: psycopg's per-element array dumping is far slower."""
    if numeric:  # ints and bools print as PostgreSQL reads them; None becomes NULL
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    if all(type(v) is str for v in values):
        joined = '","'.join(values)
        if "\\" not in joined and joined.count('"') == 2 * (len(values) - 1):
            return '{"' + joined + '"}'  # nothing to escape: no quote or backslash in a value
    return "{" + ",".join([_pg_text(v) for v in values]) + "}"


def _pg_text(value: Any) -> str:
    if value is None:
        return "NULL"
    text = value if type(value) is str else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pg_columns(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """One array literal per column of ``rows``."""
    if not rows:
        return ["{}"] * len(columns)
    return _pg_arrays(table, columns, list(zip(*rows, strict=True)))


def _pg_arrays(table: Table, columns: Sequence[str], values: Sequence[Sequence[Any]]) -> list[str]:
    """One array literal per column, given each column's values."""
    numeric = [isinstance(table.c[c].type, Integer | Boolean) for c in columns]
    return [_pg_array(col, n) for col, n in zip(values, numeric, strict=True)]


# PostgreSQL binary COPY types of the column types staged rows may have (JSON goes as text).
_PG_COPY_TYPES = (
    (SmallInteger, "int2"),
    (BigInteger, "int8"),
    (Integer, "int4"),
    (Boolean, "bool"),
)
_STAGE_MIN_ROWS = 64  # fewer rows go inline as array literals: one round trip instead of three


def _pg_copy_type(table: Table, column: str) -> str:
    """The binary COPY type of a column: text for text and for JSON (its binary form is text)."""
    kind = table.c[column].type
    for cls, name in _PG_COPY_TYPES:  # BigInteger and SmallInteger subclass Integer: first wins
        if isinstance(kind, cls):
            return name
    return "text"


def _pg_source(
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
    if len(rows) < _STAGE_MIN_ROWS or cur.connection.info.transaction_status.name != "INTRANS":
        arrays = ", ".join(_pg_cast(conn, table, c) for c in columns)
        return f"SELECT * FROM unnest({arrays})", _pg_columns(table, columns, rows)
    quote = conn.dialect.identifier_preparer.quote
    kinds = [_pg_copy_type(table, c) for c in columns]
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
    casts = ", ".join(f"c{i}::{_pg_type(conn, table, c)}" for i, c in enumerate(columns))
    by = ", ".join(f"c{columns.index(c)}" for c in order)
    return f"SELECT {casts} FROM {stage}" + (f" ORDER BY {by}" if by else ""), ()


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
            source, params = _pg_source(conn, cur, table, columns, rows, order)
            cur.execute(f"{head} {source}{tail}", params)
            return [tuple(r) for r in cur.fetchall()]
    out: list[tuple[Any, ...]] = []
    cur = raw.cursor()
    try:
        for values, params in _sqlite_chunks(rows, len(columns)):
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
        if _pg_copy_new(conn, table, columns, rows):
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
    _sqlite_chunked(conn, head, tail, rows, len(columns))
    ids = [row[0] for row in rows]
    return set(ids) - missing_keys(conn, table, columns[0], ids)


def _pg_copy_new(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> bool:
    """COPY many rows straight into ``table`` if none clashes on a unique index; else nothing.

    The usual batch is all new: a plain binary COPY then costs the server a good part less than
    ``INSERT .. ON CONFLICT``. A clash (a key stored before, or by a concurrent transaction)
    rolls back to a savepoint and returns False, for the caller's conflict-aware insert.
    """
    raw: Any = conn.connection.dbapi_connection
    if len(rows) < _STAGE_MIN_ROWS or raw.info.transaction_status.name != "INTRANS":
        return False
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    with raw.cursor() as cur:
        cur.execute("SAVEPOINT mailroom_copy_new")
        try:
            with cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([_pg_copy_type(table, c) for c in columns])
                for row in rows:
                    copy.write_row(row)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) != "23505":  # unique_violation
                raise
            cur.execute("ROLLBACK TO SAVEPOINT mailroom_copy_new")
            return False
        cur.execute("RELEASE SAVEPOINT mailroom_copy_new")
    return True


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
            source, params = _pg_source(conn, cur, table, columns, rows, order=keys)
            cur.execute(f"{head} {source}{tail}", params)
        return
    _sqlite_chunked(conn, head, tail, rows, len(columns))


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
    answers with one JSON array of the rows (`_sqlite_json_rows`). Either way one statement
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
        arrays = ", ".join(_pg_cast(conn, table, k) for k in keys)
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
        params = [*_pg_arrays(table, keys, key_columns), *(v for _, v in filters)]
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
    return _sqlite_json_rows(
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


def _sqlite_json_rows(raw: Any, columns: str, rest: str, params: Sequence[Any]) -> list[Any]:
    """``SELECT columns rest`` as tuples, fetched as one JSON array (one step, not one a row).

    The sqlite3 module releases the GIL around every step, so beside a busy thread a row-by-row
    fetch waits for the GIL again at each row. Text, numbers and NULL survive the trip as they
    are; no column read this way holds a BLOB.
    """
    cur = raw.cursor()
    try:
        cur.execute(f"SELECT json_group_array(json_array({columns})) {rest}", params)
        return [tuple(row) for row in jsonx.loads(cur.fetchone()[0])]
    finally:
        cur.close()


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
            f"SELECT w.k FROM unnest({_pg_cast(conn, table, key)}) AS w(k)"
            f" WHERE NOT EXISTS (SELECT 1 FROM {name} WHERE {name}.{column} = w.k)"
        )
        with raw.cursor() as cur:
            cur.execute(sql, _pg_columns(table, (key,), [(v,) for v in wanted]))
            return {r[0] for r in cur.fetchall()}
    rest = (
        f"FROM json_each(?) AS w"
        f" WHERE NOT EXISTS (SELECT 1 FROM {name} WHERE {name}.{column} = w.value)"
    )
    return {r[0] for r in _sqlite_json_rows(raw, "w.value", rest, [jsonx.dumps(wanted).decode()])}


_sequences: dict[str, str] = {}


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
        with raw.cursor() as cur:
            sequence = _sequences.get(table.name)
            if sequence is None:  # looked up once: per row it would cost more than nextval
                cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table.name,))
                sequence = _sequences[table.name] = str(cur.fetchone()[0])
            cur.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (sequence, count)
            )
            return [int(r[0]) for r in cur.fetchall()]
    cur = raw.cursor()
    try:
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {quote(table.name)}")
        high = int(cur.fetchone()[0])
    finally:
        cur.close()
    return list(range(high + 1, high + 1 + count))


def advance_id_sequence(conn: Connection, table: Table) -> None:
    """After rows were inserted with chosen ids: the next generated id comes after all of them.

    PostgreSQL's sequence does not see explicit ids, so it is set past the maximum; SQLite's
    rowid already continues after the largest one.
    """
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"greatest((SELECT max(id) FROM {table.name}), 1))"
        )
    )


def insert_select_ignore(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    query: Select[Any],
    *,
    index_elements: Sequence[str],
) -> int:
    """``INSERT INTO table (columns) SELECT ...`` skipping rows that clash on a unique index;
    the number of rows inserted. (SQLite needs a WHERE in the SELECT before ON CONFLICT: one is
    added when the query has none.)"""
    if query.whereclause is None:
        query = query.where(true())
    stmt = (
        _insert(conn, table)
        .from_select(list(columns), query)
        .on_conflict_do_nothing(index_elements=list(index_elements))
    )
    if conn.dialect.name == "postgresql":  # the driver's rowcount is not passed on: count them
        from sqlalchemy import func, literal_column, select

        inserted = stmt.returning(literal_column("1")).cte("inserted")
        return int(conn.execute(select(func.count()).select_from(inserted)).scalar() or 0)
    return int(conn.execute(stmt).rowcount or 0)


def for_update_of_skip_locked(conn: Connection, query: Select[Any], table: Table) -> Select[Any]:
    """Claim rows of `table` in a joined query: SKIP LOCKED on PostgreSQL, locking only them."""
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=table)
    return query


def relaxed_commits(conn: Connection, relaxed: bool = True) -> None:
    """Whether this session's commits return before their WAL reaches disk (PostgreSQL's
    ``synchronous_commit``). A crash of the database server may lose the last fraction of a
    second of relaxed commits; a crash of the client loses none. SQLite (WAL, synchronous
    NORMAL) already commits without a flush."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET synchronous_commit = {'off' if relaxed else 'on'}"))


class JsonField(ColumnElement[str]):
    """A JSON object column's value at `key`, as text, the key written into the SQL (not a
    parameter), so that PostgreSQL can match an expression index on it (`field_index`)."""

    inherit_cache = True
    type = String()

    def __init__(self, column: Any, key: str) -> None:
        if not _FIELD_KEY.match(key):
            raise ValueError(f"not a field name: {key!r}")
        self.column = column
        self.key = key


_FIELD_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@compiles(JsonField, "postgresql")
def _json_field_pg(element: JsonField, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.column, **kw)} ->> '{element.key}')"


@compiles(JsonField)
def _json_field_sqlite(element: JsonField, compiler: Any, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.column, **kw)}, '$.\"{element.key}\"')"


def field_index(conn: Connection, table: Table, name: str, *expressions: Any) -> None:
    """An expression index on PostgreSQL (created once, if missing), so that selections on a
    JSON field's value read the index instead of every row's JSON. SQLite: nothing (it scans)."""
    if conn.dialect.name != "postgresql":
        return
    parts = ", ".join(
        f"({e.compile(dialect=conn.dialect, compile_kwargs={'literal_binds': True})})"
        for e in expressions
    )
    conn.execute(text(f'CREATE INDEX IF NOT EXISTS "{name}" ON {table.name} ({parts})'))
