"""`kill -9` of a real server during bulk ingest loses no acknowledged event (both backends).

A `mailroom serve` subprocess takes batches from two client threads; the server is killed with
SIGKILL while batches are in flight. Every event of every answered batch must be stored: the
answer is sent only after the commit, and the commit is on disk (SQLite synchronous=FULL,
PostgreSQL's default synchronous_commit). Batches in flight at the kill may or may not be
stored, but never in part.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.tables import contacts, events
from mailroom.kit import ids

BATCH = 100
RUN_S = 1.5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server(db_url: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MAILROOM_DATABASE_URL": db_url,
        "MAILROOM_SECRET_KEY": "a-secret-for-the-crash-test",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "mailroom", "serve", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"{url}/mailroom/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError("the server did not start")


def _contacts(ctx: Context, account: NewAccount, count: int) -> list[str]:
    now = ctx.clock.now_ms()
    uids = [ids.object_id(now) for _ in range(count)]
    with ctx.db.write() as conn:
        conn.execute(
            contacts.insert(),
            [
                {
                    "uid": uid,
                    "account_id": account.account_id,
                    "list_id": account.default_list_id,
                    "email": f"c{n}@example.com",
                    "created": now // 1000,
                    "modified": now // 1000,
                }
                for n, uid in enumerate(uids)
            ],
        )
    return uids


def test_kill_9_during_ingest_loses_no_acknowledged_event(
    ctx: Context, account: NewAccount, tmp_path: Path
) -> None:
    uids = _contacts(ctx, account, 50)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _server(ctx.settings.database_url, port, tmp_path)
    acknowledged: list[str] = []
    sent: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def send(worker: int) -> None:
        headers = {"Authorization": f"Bearer {account.token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
            n = 0
            while not stop.is_set():
                keys = [f"crash-{worker}-{n}-{i}" for i in range(BATCH)]
                n += 1
                batch: list[dict[str, Any]] = [
                    {"type": "em_opens", "contact_id": uids[i % len(uids)], "idempotency_key": k}
                    for i, k in enumerate(keys)
                ]
                with lock:
                    sent.extend(keys)
                try:
                    response = client.post("/mailroom/v1/events", json=batch)
                except httpx.HTTPError:
                    return  # the server is gone: this batch was never acknowledged
                if response.status_code == 200 and response.json()["accepted"] == BATCH:
                    with lock:
                        acknowledged.extend(keys)

    try:
        _wait_up(url, proc)
        threads = [threading.Thread(target=send, args=(w,)) for w in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(RUN_S)
        os.kill(proc.pid, signal.SIGKILL)  # while both threads have a batch in flight
        proc.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    fresh = Database(ctx.settings.database_url)  # what a restarted server would read
    try:
        with fresh.read() as conn:
            stored = set(
                conn.execute(select(events.c.idem_key).where(events.c.idem_key.like("crash-%")))
                .scalars()
                .all()
            )
            total = conn.execute(select(func.count()).select_from(events)).scalar_one()
    finally:
        fresh.dispose()
    print(
        f"\nacknowledged {len(acknowledged)} events, stored {len(stored)}, sent {len(sent)}"
        f" ({ctx.db.engine.dialect.name})"
    )
    assert len(acknowledged) >= BATCH, "no batch was acknowledged before the kill"
    assert set(acknowledged) <= stored  # nothing acknowledged was lost
    assert stored <= set(sent) and total == len(stored)
    assert len(stored) % BATCH == 0  # a batch is stored whole or not at all


def test_sqlite_commits_reach_the_disk_before_the_answer(ctx: Context) -> None:
    """synchronous=FULL: the WAL is fsynced at each commit (NORMAL would lose the last
    commits on a power cut, though not on a process kill)."""
    if not ctx.db.is_sqlite:
        pytest.skip("PostgreSQL: synchronous_commit is the server's setting, on by default")
    for connect in (ctx.db.write, ctx.db.read, ctx.db.single):
        with connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
