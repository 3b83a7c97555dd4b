"""SQLAlchemy statements and conditions as DuckDB SQL: rendered by PostgreSQL's compiler (DuckDB
shares its syntax), with numbered parameters named ``$c1, $c2, ...`` so they sit beside a
query's own.

A condition with a correlated subquery (``EXISTS (... events.contact_id = contacts.id)``) must
be rendered inside its SELECT: alone, the subquery would read ``contacts`` on its own instead
of following the outer row.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement


def to_duckdb(statement: ClauseElement) -> tuple[str, dict[str, Any]]:
    """The statement's (or condition's) SQL for DuckDB and its bound values, by name."""
    compiled = statement.compile(
        dialect=postgresql.dialect(paramstyle="numeric_dollar"),  # type: ignore[no-untyped-call]
        compile_kwargs={"render_postcompile": True},
    )
    assert isinstance(compiled, SQLCompiler)
    names = list(compiled.positiontup or ())
    sql = re.sub(r"\$(\d+)", lambda m: f"$c{m.group(1)}", str(compiled))
    return sql, {f"c{i}": compiled.params[name] for i, name in enumerate(names, 1)}
