"""Test fixtures: a fresh database per test on SQLite (default) or PostgreSQL.

The backend is chosen by MAILROOM_TEST_DATABASE_URL: unset means SQLite in a temporary folder;
a PostgreSQL URL runs the same suite there (tables are emptied between tests).
"""

from __future__ import annotations

import os
import shutil

# Before mailroom is imported (and inherited by the servers tests start): argon2 at its minimum
# cost, so sign-ups and logins take microseconds. tests/accounts/test_passwords.py checks that
# production keeps the strong cost.
os.environ["MAILROOM_CHEAP_PASSWORD_HASHES"] = "1"
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from mailroom.accounts import service as accounts_service
from mailroom.accounts.schemas import NewAccount
from mailroom.app import create_app
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.engine import make_engine, normalise_url
from mailroom.db.migrate import upgrade
from mailroom.db.tables import metadata
from mailroom.kit.clock import FrozenClock

PG_URL = os.environ.get("MAILROOM_TEST_DATABASE_URL", "")


def pytest_report_header() -> str:
    return f"mailroom backend: {'postgresql' if PG_URL else 'sqlite'}"


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a file to copy (SQLite) or a schema to reuse (PostgreSQL)."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(PG_URL)
        return normalise_url(PG_URL)
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def db_url(_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        engine = make_engine(_template)
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield _template
        return
    path = tmp_path / "mailroom.db"
    shutil.copyfile(_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def replica_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The replica path the test's own settings use, for the servers and commands it starts
    (which read the environment): never a file in the working directory."""
    monkeypatch.setenv("MAILROOM_REPLICA_PATH", str(tmp_path / "replica.duckdb"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # Tests drive jobs with `run_one`; an app started by a test runs no worker of its own.
    return Settings(
        database_url=db_url,
        secret_key="test-secret-of-the-suite",
        public_url="http://testserver",
        replica_path=str(tmp_path / "replica.duckdb"),  # per test, on either backend
        inprocess_worker=False,
    )


@pytest.fixture
def ctx(settings: Settings, clock: FrozenClock) -> Iterator[Context]:
    context = Context(settings=settings, db=Database(settings.database_url), clock=clock)
    yield context
    context.db.dispose()


@pytest.fixture
def app(ctx: Context) -> Any:
    return create_app(ctx)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def make_account(ctx: Context, name: str = "Acme") -> NewAccount:
    with ctx.db.write() as conn:
        return accounts_service.create_account(conn, ctx.clock, name, password="secret-" + name)


@pytest.fixture
def account(ctx: Context) -> NewAccount:
    return make_account(ctx, "Acme")


@pytest.fixture
def other_account(ctx: Context) -> NewAccount:
    return make_account(ctx, "Other")


def ongage_headers_for(acc: NewAccount) -> dict[str, str]:
    return {
        "X_USERNAME": acc.username,
        "X_PASSWORD": acc.password,
        "X_ACCOUNT_CODE": acc.account_code,
    }


@pytest.fixture
def ongage_headers(account: NewAccount) -> dict[str, str]:
    return ongage_headers_for(account)


@pytest.fixture
def bearer_headers(account: NewAccount) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.token}"}


@pytest.fixture
def live_url(app: Any) -> Iterator[str]:
    """The app served by a real uvicorn on a free loopback port (for third-party clients)."""
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def add_field(
    ctx: Context,
    acc: NewAccount,
    name: str,
    kind: str = "string",
    fmt: str = "",
    *,
    list_id: int | None = None,
    position: int = 1,
    mandatory: bool = False,
    default: str | None = None,
) -> None:
    """A list field written by the repository (no validation), for tests of what reads fields."""
    from mailroom.fields import repository

    now = ctx.clock.now_ms() // 1000
    with ctx.db.write() as conn:
        repository.insert_field(
            conn,
            {
                "account_id": acc.account_id,
                "list_id": list_id or acc.default_list_id,
                "name": name,
                "title": name.title(),
                "type": kind,
                "format": fmt,
                "mandatory": mandatory,
                "default": default,
                "position": position,
                "created": now,
                "modified": now,
            },
        )
