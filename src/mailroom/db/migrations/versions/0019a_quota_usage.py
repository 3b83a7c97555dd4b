"""quota_usage: the places taken in daily quotas, shared by every worker process

A connection's `daily_quota` and an event's `esp_connections_quota` were kept by each process
in memory, so two processes could pass a quota by what they had in flight. A row per
(connection, event, day) (event 0 for the connection's own quota) now counts the places taken;
a process takes them with a conditional UPDATE that only succeeds while the quota holds.

Revision ID: 0019a_quota_usage
Revises: 0018a_automation_chunks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019a_quota_usage"
down_revision = "0018a_automation_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quota_usage",
        sa.Column("connection_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("day_ms", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("connection_id", "event_id", "day_ms", name=op.f("pk_quota_usage")),
    )


def downgrade() -> None:
    op.drop_table("quota_usage")
