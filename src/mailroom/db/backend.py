"""The few SQL forms that differ between SQLite and PostgreSQL, one function each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Boolean, Connection, Integer, Select, Table
from sqlalchemy.dialects import postgresql, sqlite

from mailroom.kit import jsonx


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
    *,
    unless_newer: str | None = None,
) -> None:
    """Set ``columns`` on many rows found by ``key``; each row is (key value, *column values).

    One ``UPDATE .. FROM unnest(arrays)`` on PostgreSQL, one executemany on SQLite.
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
        arrays = ", ".join(f"%s::{_pg_array_type(conn, table, c)}" for c in all_columns)
        aliases = ", ".join(f"c{i}" for i in range(len(all_columns)))
        sets = ", ".join(f"{quote(c)} = v.c{i + 1}" for i, c in enumerate(columns))
        sql = (
            f"UPDATE {name} SET {sets} FROM unnest({arrays}) AS v({aliases})"
            f" WHERE {name}.{quote(key)} = v.c0"
        )
        if unless_newer is not None:
            sql += f" AND {name}.{quote(unless_newer)} <= v.c{columns.index(unless_newer) + 1}"
        with raw.cursor() as cur:
            cur.execute(sql, [list(col) for col in zip(*rows, strict=True)])
        return
    sets = ", ".join(f"{quote(c)} = ?" for c in columns)
    where = f"{quote(key)} = ?"
    params = [(*r[1:], r[0]) for r in rows]
    if unless_newer is not None:
        at = columns.index(unless_newer) + 1
        where += f" AND {quote(unless_newer)} <= ?"
        params = [(*r[1:], r[0], r[at]) for r in rows]
    cur = raw.cursor()
    try:
        cur.executemany(f"UPDATE {name} SET {sets} WHERE {where}", params)
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

_SQLITE_ROWS = 500  # rows per multi-row VALUES statement (params stay far below SQLite's limit)


def _pg_cast(conn: Connection, table: Table, column: str) -> str:
    return f"%s::{table.c[column].type.compile(dialect=conn.dialect)}[]"


def _pg_array(values: Sequence[Any], numeric: bool) -> str:
    """A PostgreSQL array literal: psycopg's per-element array dumping is far slower."""
    if numeric:  # ints and bools print as PostgreSQL reads them; None becomes NULL
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    return "{" + ",".join([_pg_text(v) for v in values]) + "}"


def _pg_text(value: Any) -> str:
    if value is None:
        return "NULL"
    text = value if type(value) is str else str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pg_columns(table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    numeric = [isinstance(table.c[c].type, Integer | Boolean) for c in columns]
    if not rows:
        return ["{}"] * len(columns)
    return [_pg_array(col, n) for col, n in zip(zip(*rows, strict=True), numeric, strict=True)]


def insert_many_returning(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str],
    conflict: Sequence[str] = (),
    conflict_where: str = "",
) -> list[tuple[Any, ...]]:
    """Insert tuples, skipping clashes on the ``conflict`` index; return the stored rows' values.

    One ``INSERT .. SELECT FROM unnest(arrays)`` on PostgreSQL, multi-row VALUES on SQLite.
    ``conflict_where`` is the SQL predicate of a partial unique index. JSON columns take
    already-serialised text.
    """
    if not rows:
        return []
    quote = conn.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)})"
    tail = ""
    if conflict:
        where = f" WHERE {conflict_where}" if conflict_where else ""
        tail = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}){where} DO NOTHING"
    tail += f" RETURNING {', '.join(quote(c) for c in returning)}"
    raw: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(_pg_cast(conn, table, c) for c in columns)
        with raw.cursor() as cur:
            cur.execute(
                f"{head} SELECT * FROM unnest({arrays}){tail}",
                _pg_columns(table, columns, rows),
            )
            return [tuple(r) for r in cur.fetchall()]
    one = "(" + ", ".join("?" for _ in columns) + ")"
    out: list[tuple[Any, ...]] = []
    cur = raw.cursor()
    try:
        for start in range(0, len(rows), _SQLITE_ROWS):
            chunk = rows[start : start + _SQLITE_ROWS]
            values = ", ".join(one for _ in chunk)
            cur.execute(f"{head} VALUES {values}{tail}", [v for row in chunk for v in row])
            out.extend(cur.fetchall())
    finally:
        cur.close()
    return out


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
    """`upsert_add` for tuples in one driver call; keys must not repeat within ``rows``."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    pg = conn.dialect.name == "postgresql"
    sets = [f"{quote(c)} = {name}.{quote(c)} + excluded.{quote(c)}" for c in add]
    for names, fn in ((greatest, "greatest" if pg else "max"), (least, "least" if pg else "min")):
        for c in names:
            mine, theirs = f"{name}.{quote(c)}", f"excluded.{quote(c)}"
            # SQLite's two-argument max/min give NULL if either is NULL; PostgreSQL's skip NULLs.
            sets.append(f"{quote(c)} = coalesce({fn}({mine}, {theirs}), {mine}, {theirs})")
    head = f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)})"
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in keys)}) DO UPDATE SET {', '.join(sets)}"
    raw: Any = conn.connection.dbapi_connection
    if pg:
        arrays = ", ".join(_pg_cast(conn, table, c) for c in columns)
        with raw.cursor() as cur:
            cur.execute(
                f"{head} SELECT * FROM unnest({arrays}){tail}",
                _pg_columns(table, columns, rows),
            )
        return
    marks = ", ".join("?" for _ in columns)
    cur = raw.cursor()
    try:
        cur.executemany(f"{head} VALUES ({marks}){tail}", rows)
    finally:
        cur.close()


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

    PostgreSQL joins one ``unnest`` of arrays; SQLite runs chunked ``IN`` lists (row values for
    several keys). Either way one round trip per few thousand keys and no per-row SQLAlchemy work.
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
        arrays = ", ".join(_pg_cast(conn, table, k) for k in keys)
        aliases = ", ".join(f"k{i}" for i in range(len(keys)))
        on = " AND ".join(f"{name}.{quote(k)} = w.k{i}" for i, k in enumerate(keys))
        where = "".join(f" AND {name}.{quote(c)} = %s" for c, _ in filters)
        sql = f"SELECT {cols} FROM {name} JOIN unnest({arrays}) AS w({aliases}) ON {on}{where}"
        params = [*_pg_columns(table, keys, wanted), *(v for _, v in filters)]
        with raw.cursor() as cur:
            cur.execute(sql, params)
            return [tuple(r) for r in cur.fetchall()]
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
    sql = f"SELECT {cols} FROM json_each(?) AS w CROSS JOIN {name} ON {on}{where}"
    cur = raw.cursor()
    try:
        cur.execute(sql, [array.decode(), *(v for _, v in filters)])
        return list(cur.fetchall())
    finally:
        cur.close()


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
