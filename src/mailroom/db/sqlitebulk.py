"""SQLite's raw bulk statements: multi-row VALUES in few statements, rows fetched as one JSON array.

Both avoid a step per row: the sqlite3 module releases the GIL around every step, so beside a
busy thread each row would wait for the GIL again (a convoy).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection

from mailroom.kit import jsonx

# Values bound per multi-row statement on SQLite (its limit is 32,766). Few long statements
# rather than executemany's one step per row: the sqlite3 module releases the GIL around every
# step, so beside a busy thread each row would wait for the GIL again (a convoy).
VALUES_PER_STATEMENT = 6000


def chunks(rows: Sequence[Sequence[Any]], width: int) -> Iterator[tuple[str, list[Any]]]:
    """(``VALUES (?, ..), ..`` text, flat parameters) for each chunk of ``rows``."""
    one = "(" + ", ".join("?" for _ in range(width)) + ")"
    size = max(1, VALUES_PER_STATEMENT // width)
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        yield "VALUES " + ", ".join(one for _ in chunk), list(chain.from_iterable(chunk))


def execute_chunked(
    conn: Connection, head: str, tail: str, rows: Sequence[Sequence[Any]], width: int
) -> None:
    """``{head} VALUES ..{tail}`` over ``rows`` in as few statements as SQLite's limits allow."""
    raw: Any = conn.connection.dbapi_connection
    cur = raw.cursor()
    try:
        for values, params in chunks(rows, width):
            cur.execute(f"{head} {values}{tail}", params)
    finally:
        cur.close()


def json_rows(raw: Any, columns: str, rest: str, params: Sequence[Any]) -> list[Any]:
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
