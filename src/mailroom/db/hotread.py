"""Core SELECTs for the hottest reads, run straight on the driver's cursor.

SQLAlchemy's execution path costs about as much CPU as the query itself on PostgreSQL
(result metadata is rebuilt from the cursor description on every call, and a new psycopg cursor
is nearly as dear). A `HotRead` compiles its statement once per dialect, reuses one cursor per
pooled connection, and applies the statement's own bind and result processors (arrays, JSON
text on SQLite), so rows are what `Connection.execute` would give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: Sequence[str] | None  # positional parameter order, or None for named parameters
    binds: Mapping[str, Callable[[Any], Any]]
    results: Sequence[Callable[[Any], Any] | None]


class HotRead:
    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            results = [
                column.type._cached_result_processor(dialect, None)
                for column in self.statement.selected_columns
            ]
            names = list(compiled.positiontup or ()) if compiled.positional else None
            binds: dict[str, Any] = dict(compiled._bind_processors)
            found = self._by_dialect[dialect.name] = _Compiled(str(compiled), names, binds, results)
        return found

    def _run(self, conn: Connection, params: dict[str, Any]) -> tuple[Any, _Compiled]:
        compiled = self._compiled(conn.dialect)
        if compiled.binds:
            params = {
                k: (v if (p := compiled.binds.get(k)) is None else p(v)) for k, v in params.items()
            }
        bound: Any = params if compiled.names is None else [params[n] for n in compiled.names]
        cursor = _cursor_of(conn)
        cursor.execute(compiled.sql, bound)
        return cursor, compiled

    def first(self, conn: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row for `params` (every bound name given), or None."""
        cursor, compiled = self._run(conn, params)
        row = cursor.fetchone()
        return None if row is None else _processed(row, compiled.results)

    def all(self, conn: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        cursor, compiled = self._run(conn, params)
        return [_processed(row, compiled.results) for row in cursor.fetchall()]

    def raw(self, conn: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The driver's rows as they come (no result processing: bulk copies convert later)."""
        cursor, _ = self._run(conn, params)
        return list(cursor.fetchall())


def _processed(
    row: Sequence[Any], results: Sequence[Callable[[Any], Any] | None]
) -> tuple[Any, ...]:
    return tuple(
        value if process is None else process(value)
        for value, process in zip(row, results, strict=True)
    )


def _cursor_of(conn: Connection) -> Any:
    """The pooled connection's own cursor for hot reads, kept across checkouts.

    The pool hands a connection to one user at a time, so one cursor per connection is safe;
    the pool clears `info` when it replaces a broken connection.
    """
    fairy = conn.connection
    cursor = fairy.info.get("hot_cursor")
    if cursor is None:
        cursor = fairy.info["hot_cursor"] = fairy.dbapi_connection.cursor()  # type: ignore[union-attr]
    return cursor
