"""activity_hourly: one row per list and hour, with a counter per event type

Before, a row held one count per (list, hour, type, machine), so an ingest batch spread over a
month upserted about 5,000 rows, and concurrent batches waited for each other on most of them.
Now a row holds every type's count for its list-hour (machines' opens and clicks apart): the
same batch upserts about 720 rows, and a chart reads one row per hour.

The machine flag of types other than opens and clicks changes no count (as in
``contact_totals``): such rows fold into their type's counter, and a downgrade gives them back
as people's events.

Revision ID: 0005_hourly_by_list_hour
Revises: 0004_ingest_speed
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005_hourly_by_list_hour"
down_revision = "0004_ingest_speed"
branch_labels = None
depends_on = None

# counter -> (event type code, machine or None for both); the codes of `activity.types`.
COUNTERS: dict[str, tuple[int, bool | None]] = {
    "em_sends": (1, None),
    "em_opens": (2, False),
    "em_opens_machine": (2, True),
    "em_clicks": (3, False),
    "em_clicks_machine": (3, True),
    "em_bounces": (4, None),
    "em_optouts": (5, None),
    "em_forwards": (6, None),
    "em_complaints": (11, None),
    "p_contact_open": (7, None),
    "p_contact_click": (8, None),
    "p_contact_add": (9, None),
    "p_contact_update": (10, None),
}
STORAGE: dict[str, Any] = {"sqlite_with_rowid": False, "postgresql_with": {"fillfactor": 70}}


def _set_aside(name: str) -> None:
    """Rename the current table (and, on PostgreSQL, its key's index) out of the way."""
    op.rename_table("activity_hourly", name)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX pk_activity_hourly RENAME TO pk_{name}")


def upgrade() -> None:
    _set_aside("activity_hourly_narrow")
    op.create_table(
        "activity_hourly",
        sa.Column("list_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        *(sa.Column(n, sa.Integer(), server_default="0", nullable=False) for n in COUNTERS),
        sa.PrimaryKeyConstraint("list_id", "hour", name=op.f("pk_activity_hourly")),
        **STORAGE,
    )
    sums = []
    for type_, machine in COUNTERS.values():
        flag = "" if machine is None else (" AND machine" if machine else " AND NOT machine")
        sums.append(f"sum(CASE WHEN type = {type_}{flag} THEN count ELSE 0 END)")
    op.execute(
        f"INSERT INTO activity_hourly (list_id, hour, account_id, {', '.join(COUNTERS)})"
        f" SELECT list_id, hour, min(account_id), {', '.join(sums)}"
        " FROM activity_hourly_narrow GROUP BY list_id, hour"
    )
    op.drop_table("activity_hourly_narrow")


def downgrade() -> None:
    _set_aside("activity_hourly_wide")
    op.create_table(
        "activity_hourly",
        sa.Column("list_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("type", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("machine", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "list_id", "hour", "type", "machine", name=op.f("pk_activity_hourly")
        ),
        **STORAGE,
    )
    parts = [
        f"SELECT list_id, hour, {type_}, {'true' if machine else 'false'}, account_id, {name}"
        f" FROM activity_hourly_wide WHERE {name} > 0"
        for name, (type_, machine) in COUNTERS.items()
    ]
    op.execute(
        "INSERT INTO activity_hourly (list_id, hour, type, machine, account_id, count) "
        + " UNION ALL ".join(parts)
    )
    op.drop_table("activity_hourly_wide")
