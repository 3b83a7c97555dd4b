"""sessions and login_failures: server-side web sessions shared by every process

A session's id and its XSRF tokens are kept as SHA-256 hex digests only. ``expires_ms`` is the
idle deadline (last seen + the idle time, longer for remember-me); its index serves the purge
of expired rows. ``login_failures`` counts wrong passwords per key in a fixed window.

Revision ID: 0015a_sessions
Revises: 0008_contacts_fillfactor
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015a_sessions"
down_revision = "0008_contacts_fillfactor"
branch_labels = None
depends_on = None


def _opaque(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id_hash", _opaque(64), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("remember", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("xsrf_first", _opaque(64), nullable=False),
        sa.Column("xsrf_last", _opaque(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_sessions_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name="pk_sessions"),
    )
    op.create_index("ix_sessions_expires_ms", "sessions", ["expires_ms"])
    op.create_table(
        "login_failures",
        sa.Column("key", _opaque(64), nullable=False),
        sa.Column("window_start_ms", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_login_failures"),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_index("ix_sessions_expires_ms", table_name="sessions")
    op.drop_table("sessions")
