"""The one handle on storage: an engine plus read and write transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from mailroom.db.engine import is_sqlite, make_engine


class Database:
    def __init__(self, url: str, **engine_kwargs: object) -> None:
        self.engine = make_engine(url, **engine_kwargs)
        self.url = str(self.engine.url.render_as_string(hide_password=False))
        self.is_sqlite = is_sqlite(self.engine)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that commits on success and rolls back on any exception."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
