"""What the lists domain does when an account is created: give it its default list."""

from __future__ import annotations

from sqlalchemy import Connection

from mailroom.accounts import hooks as accounts_hooks
from mailroom.accounts import service as accounts_service
from mailroom.kit.clock import Clock
from mailroom.lists import service


@accounts_hooks.created.register
def create_default_list(conn: Connection, clock: Clock, account_id: int, name: str) -> None:
    """Every account has a default list, where Ongage calls that name no list land."""
    made = service.create_list(conn, clock, account_id, {"name": f"{name} list"})
    accounts_service.set_default_list(conn, account_id, int(made["id"]))
