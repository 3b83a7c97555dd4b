"""connection_pace: a sending connection's next free slot, shared by every worker process

`rate_per_second` was kept by each process in memory, so n worker processes sent through one
connection at n times its rate. A row per connection now holds the first moment (Unix time in
microseconds) not yet handed out; a process reserves a second's worth of slots at a time.

Revision ID: 0020a_connection_pace
Revises: 0019a_quota_usage
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020a_connection_pace"
down_revision = "0019a_quota_usage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connection_pace",
        sa.Column("connection_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("next_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_connection_pace")),
    )


def downgrade() -> None:
    op.drop_table("connection_pace")
