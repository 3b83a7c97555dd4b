"""Hooks: reactions run in order, a provider is one function, and wiring loads on first call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mailroom.kit.hooks import Hook, Provider


def test_reactions_run_in_order_once_each() -> None:
    seen: list[str] = []
    hook: Hook[[str]] = Hook("test.order")

    def first(value: str) -> None:
        seen.append("first:" + value)

    def second(value: str) -> None:
        seen.append("second:" + value)

    hook.register(first)
    hook.register(second)
    hook.register(first)  # registering again (a module imported twice) adds nothing
    hook("x")
    assert seen == ["first:x", "second:x"]


def test_a_provider_is_one_function() -> None:
    provider: Provider[[int], int] = Provider("test.one")
    with pytest.raises(RuntimeError, match=r"nothing provides test\.one"):
        provider(1)
    provider.register(lambda n: n + 1)
    assert provider(1) == 2
    with pytest.raises(RuntimeError, match="provided twice"):
        provider.register(lambda n: n)


SCRIPT = """
import sys
from sqlalchemy import func, insert, select
from mailroom.accounts import service as accounts
from mailroom.contacts import service as contacts
from mailroom.activity import service as activity
from mailroom.activity.types import Source
from mailroom.db.database import Database
from mailroom.db.migrate import upgrade
from mailroom.db.tables import contacts as contacts_table, events
from mailroom.kit.clock import FrozenClock

url = "sqlite:///" + sys.argv[1]
upgrade(url)
db, clock = Database(url), FrozenClock()
with db.write() as conn:
    acc = accounts.create_account(conn, clock, "Bare", password="pw")
    conn.execute(insert(contacts_table).values(
        uid="a" * 24, account_id=acc.account_id, list_id=acc.default_list_id,
        email="a@x.test", created=0, modified=0))
    activity.ingest(conn, clock, acc.account_id,
                    [{"type": "em_sends", "contact_id": "a" * 24}], source=Source.API)
    contacts.change_status(conn, clock, acc.account_id, acc.default_list_id,
                           ["a@x.test"], "unsubscribe")
    assert conn.scalar(select(func.count()).select_from(events)) == 2
    contacts.delete_contacts(conn, acc.default_list_id, ["a" * 24])
    assert conn.scalar(select(func.count()).select_from(events)) == 0
print("default list", acc.default_list_id)
"""


def test_a_script_that_imports_only_services_gets_every_reaction(tmp_path: Path) -> None:
    """No app, no CLI: the first hook call loads `mailroom.wiring`, so nothing is skipped."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "bare.db")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"MAILROOM_CHEAP_PASSWORD_HASHES": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("default list ")
