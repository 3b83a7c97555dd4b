"""The one handle on storage: an engine plus read and write transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from mailroom.db.engine import is_sqlite, make_engine


class Database:
    def __init__(self, url: str, **engine_kwargs: object) -> None:
        self.engine = make_engine(url, **engine_kwargs)
        self.url = str(self.engine.url.render_as_string(hide_password=False))
        self.is_sqlite = is_sqlite(self.engine)
        # Capabilities domains ask about instead of naming the backend:
        self.one_writer = self.is_sqlite  # writes are serialised (lock or queue) by the backend
        self.reads_in_process = self.is_sqlite  # a read costs microseconds, no round trip
        # One-statement reads run outside transactions. On PostgreSQL they use their own pool of
        # autocommit connections: no BEGIN or ROLLBACK round trip, and no switching per checkout.
        self._single: Engine
        if self.is_sqlite:
            self._single = self.engine.execution_options(sqlite_begin=None)
        else:
            self._single = make_engine(
                url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **engine_kwargs
            )

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

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction whose statements all see one committed state.

        SQLite's read transactions already do; PostgreSQL needs REPEATABLE READ for it (its
        default gives each statement a fresh view). The replica feed reads several logs in one.
        """
        with self.engine.connect() as conn:
            if not self.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def single(self) -> Iterator[Connection]:
        """A connection outside any transaction, for reads where each statement stands alone.

        Each statement sees the latest committed data; two statements may see different states.
        """
        with self._single.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
        if self._single is not self.engine and not self.is_sqlite:
            self._single.dispose()
