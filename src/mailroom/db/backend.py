"""The few SQL forms that differ between SQLite and PostgreSQL, one function each.

Portable SQLAlchemy Core forms live here. The raw bulk statements (`bulk`: PostgreSQL arrays and
COPY in `pgbulk`, SQLite's chunked VALUES in `sqlitebulk`) and SQLite's writers' queue
(`writers`) have their own modules; their public functions are also reachable from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, String, Table, text, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

from mailroom.db.bulk import bulk_load as bulk_load
from mailroom.db.bulk import fetch_in as fetch_in
from mailroom.db.bulk import insert_many_ids as insert_many_ids
from mailroom.db.bulk import insert_many_ignore as insert_many_ignore
from mailroom.db.bulk import insert_many_returning as insert_many_returning
from mailroom.db.bulk import missing_keys as missing_keys
from mailroom.db.bulk import reserve_ids as reserve_ids
from mailroom.db.bulk import update_many as update_many
from mailroom.db.bulk import upsert_add_many as upsert_add_many
from mailroom.db.writers import writer_queue as writer_queue
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


def ids_commit_in_order(conn: Connection) -> bool:
    """Whether a reader always sees a prefix of a table's ids (minus deleted rows).

    True on SQLite, whose one writer at a time commits ids in order. On PostgreSQL a
    transaction can commit ids lower than ones already visible, so a follower must recheck gaps.
    """
    return conn.dialect.name != "postgresql"


def json_text(column: Any) -> Any:
    """A JSON column read as its text, not parsed into Python objects by the driver."""
    from sqlalchemy import Text, cast

    return cast(column, Text)


def json_without_key(conn: Connection, column: Any, key: str) -> Any:
    """The JSON object in ``column`` minus ``key`` (an identifier-like name)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import JSON, cast
        from sqlalchemy.dialects.postgresql import JSONB

        return cast(cast(column, JSONB).op("-")(key), JSON)
    from sqlalchemy import func

    return func.json_remove(column, f'$."{key}"')


def in_values(conn: Connection, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)`` as a single bound array, so big batches compile once and stay fast.

    PostgreSQL: ``= ANY(array)``; SQLite: ``IN (SELECT value FROM json_each(json array))``.
    """
    from sqlalchemy import ARRAY, any_, bindparam, func, select

    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    array: Any = bindparam(None, jsonx.dumps(list(values)).decode())
    return column.in_(select(func.json_each(array).table_valued("value").c.value))


def commit_without_flush(conn: Connection) -> None:
    """Let this transaction's commit return before its WAL reaches disk (PostgreSQL only).

    For counts that may be lost in a crash (rate limits): the commit then costs no fsync. The
    transaction is still atomic and isolated, and the server writes it out within moments.
    SQLite decides per connection, not per transaction, and keeps its setting.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


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


def large_cache(conn: Connection, mib: int) -> None:
    """Let this connection cache up to `mib` MiB of pages, for a bulk load whose indexes outgrow
    the usual cache (SQLite's ``cache_size``, kept by the pooled connection; memory is taken only
    as pages are read). PostgreSQL's cache is the server's own: nothing to do."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size = {-int(mib) * 1024}")


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
