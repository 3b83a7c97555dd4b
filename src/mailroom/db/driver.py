"""A statement compiled once per backend and run on the driver's own cursor.

For the one statement sending runs per message (the "being sent" mark): SQLAlchemy's work per
call (cache key, parameter processing, result wrapping) costs about as much CPU as the
database round trip itself. Only for statements whose values need no conversion by SQLAlchemy
(integers, text) and whose result is not read; the connection's transaction mode applies (on
an autocommit connection each call commits).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class DriverStatement:
    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        # per dialect: (SQL text, values of the statement's own literals, names in order for a
        # positional paramstyle or None)
        self._forms: dict[str, tuple[str, dict[str, Any], tuple[str, ...] | None]] = {}

    def _form(self, conn: Connection) -> tuple[str, dict[str, Any], tuple[str, ...] | None]:
        name = conn.dialect.name
        found = self._forms.get(name)
        if found is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            assert isinstance(compiled, SQLCompiler)
            own = {key: bind.value for key, bind in compiled.binds.items()}
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            found = self._forms[name] = (compiled.string, own, order)
        return found

    def execute(self, conn: Connection, values: dict[str, Any]) -> None:
        sql, own, order = self._form(conn)
        params = {**own, **values}
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if order is None:
                cursor.execute(sql, params)
            else:
                cursor.execute(sql, tuple(params[key] for key in order))
        finally:
            cursor.close()
