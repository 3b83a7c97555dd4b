"""Core SELECTs for the hottest single-row reads, run straight on the driver's cursor.

SQLAlchemy's execution path costs about as much CPU as the query itself on PostgreSQL
(result metadata is rebuilt from the cursor description on every call). A `HotRead` compiles its
statement once per dialect, binds plain values, and applies the columns' own result processors
(JSON text on SQLite), so rows are what `Connection.execute` would give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: Sequence[str] | None  # positional parameter order, or None for named parameters
    processors: Sequence[Callable[[Any], Any] | None]


class HotRead:
    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            if compiled._bind_processors:  # values would need converting: not a hot read
                raise TypeError("HotRead takes statements whose parameters need no conversion")
            processors = [
                column.type._cached_result_processor(dialect, None)
                for column in self.statement.selected_columns
            ]
            names = list(compiled.positiontup or ()) if compiled.positional else None
            found = self._by_dialect[dialect.name] = _Compiled(str(compiled), names, processors)
        return found

    def first(self, conn: Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row for `params` (every bound name given), or None."""
        compiled = self._compiled(conn.dialect)
        bound: Any = params if compiled.names is None else [params[n] for n in compiled.names]
        cursor = _cursor_of(conn)
        cursor.execute(compiled.sql, bound)
        row = cursor.fetchone()
        if row is None:
            return None
        return tuple(
            value if process is None else process(value)
            for value, process in zip(row, compiled.processors, strict=True)
        )


def _cursor_of(conn: Connection) -> Any:
    """The pooled connection's own cursor for hot reads, kept across checkouts.

    A new psycopg cursor costs about as much CPU as the query; the pool hands a connection to one
    user at a time, so one cursor per connection is safe.
    """
    fairy = conn.connection
    cursor = fairy.info.get("hot_cursor")
    if cursor is None:
        cursor = fairy.info["hot_cursor"] = fairy.dbapi_connection.cursor()  # type: ignore[union-attr]
    return cursor
