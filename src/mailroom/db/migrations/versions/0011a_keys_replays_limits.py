"""server_keys, webhook_replays, rate_counts: state every process of one database must share

The secret that signs tracking links (when none is configured), the webhook signature tokens
already used, and the calls per account per minute were each held in one process's memory; a
restart or a second process did not see them.

Revision ID: 0011a_keys_replays_limits
Revises: 0013a_search_results
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011a_keys_replays_limits"
down_revision = "0013a_search_results"
branch_labels = None
depends_on = None


def _opaque(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "server_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("retired", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "webhook_replays",
        sa.Column("endpoint_id", sa.BigInteger, primary_key=True),
        sa.Column("token", _opaque(128), primary_key=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("seen_s", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_webhook_replays_seen", "webhook_replays", ["seen_s"])
    op.create_table(
        "rate_counts",
        sa.Column("account_id", sa.BigInteger, primary_key=True),
        sa.Column("minute", sa.BigInteger, primary_key=True),
        sa.Column("calls", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_counts")
    op.drop_index("ix_webhook_replays_seen", table_name="webhook_replays")
    op.drop_table("webhook_replays")
    op.drop_table("server_keys")
