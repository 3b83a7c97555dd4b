"""A real SMTP server on loopback (aiosmtpd) and builders for sending and automation tests
(a uniquely named module, not a conftest)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import insert

from conftest import add_field
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import contacts
from mailroom.esp import service as esp_service
from mailroom.fields import service as fields_service
from mailroom.kit import ids
from mailroom.messages import service as messages_service
from mailroom.segments import service as segments_service


@dataclass
class Received:
    sender: str
    recipient: str
    data: bytes

    def message(self) -> Any:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Handler:
    """Records every message; `reply` may answer RCPT or DATA with a code instead of 250."""

    received: list[Received] = field(default_factory=list)
    rcpt_reply: Callable[[str], str | None] = lambda address: None
    data_hook: Callable[[str], str | None] = lambda address: None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        refused = self.rcpt_reply(address)
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        hooked = self.data_hook(envelope.rcpt_tos[0])
        if hooked:
            return hooked
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(Received(envelope.mail_from, rcpt, envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.recipient == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[tuple[Handler, int]]:
    """An SMTP server on a free loopback port: (handler, port)."""
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def add_people(
    ctx: Context,
    acc: NewAccount,
    emails: list[str],
    fields: list[dict[str, Any]] | None = None,
) -> list[Any]:
    now_ms = ctx.clock.now_ms()
    rows = [
        {
            "uid": ids.object_id(now_ms),
            "account_id": acc.account_id,
            "list_id": acc.default_list_id,
            "email": address,
            "fields": (fields[i] if fields else {}),
            "created": now_ms // 1000,
            "modified": now_ms // 1000,
        }
        for i, address in enumerate(emails)
    ]
    with ctx.db.write() as conn:
        conn.execute(insert(contacts), rows)
        return list(
            conn.execute(
                contacts.select()
                .where(contacts.c.list_id == acc.default_list_id)
                .order_by(contacts.c.id)
            )
        )


def add_segment(ctx: Context, acc: NewAccount, criteria: list[Any] | None = None) -> int:
    rules = criteria or [
        {
            "field_name": "email",
            "type": "email",
            "operator": "notempty",
            "operand": [],
            "case_sensitive": 0,
            "condition": "and",
        }
    ]
    with ctx.db.write() as conn:
        row = segments_service.create_segment(
            conn, ctx.clock, acc.account_id, acc.default_list_id, {"name": "All", "criteria": rules}
        )
    return int(row.id)


def add_smtp(ctx: Context, acc: NewAccount, port: int, **extra: Any) -> int:
    with ctx.db.write() as conn:
        row = esp_service.create_connection(
            conn,
            ctx.clock,
            acc.account_id,
            {
                "esp_id": 59,
                "name": extra.pop("name", "Loopback"),
                "host": "127.0.0.1",
                "port": port,
                "from_address": "news@sender.test",
                "from_name": "Sender",
                **extra,
            },
        )
    return int(row.id)


def add_message(ctx: Context, acc: NewAccount, **values: Any) -> int:
    body = {
        "name": "Hello",
        "subject": "Hello {{first_name:Subscriber}}",
        "content_html": '<html><body><p>Hi {{first_name:there}}</p><a href="https://example.com/x">x</a></body></html>',
        "content_text": "Hi {{first_name:there}}",
        **values,
    }
    with ctx.db.write() as conn:
        known = {f.name for f in fields_service.fields_of_list(conn, acc.default_list_id)}
    if "first_name" not in known:
        add_field(ctx, acc, "first_name", position=len(known) + 1)
    with ctx.db.write() as conn:
        row = messages_service.create_message(
            conn, ctx.clock, acc.account_id, acc.default_list_id, body
        )
    return int(row.id)
