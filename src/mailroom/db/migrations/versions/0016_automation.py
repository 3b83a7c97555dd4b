"""automation: account time zone, messages, connections, mailings and one table of claimed sends

Adds what sending needs to the tables the initial schema sketched: a time zone per account
(IANA name, default UTC), a reply address per message, SMTP/outbox settings per connection
(encryption, rate, daily quota, outbox folder), a mailing's audience, distribution and counts,
when an event was last switched on and how far the scheduler has looked, and the mailing each
trigger's sends are recorded under. ``trigger_sends`` (never used) gives way to ``sends``: one
row per message that is due, claimed under a unique key before it is sent.

Revision ID: 0016_automation
Revises: 0014_replica_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_automation"
# Also joins the two heads main has at this point (search results, chart counters).
down_revision = "0014_replica_reports"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_ADDED: dict[str, list[sa.Column[object]]] = {
    "accounts": [sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC")],
    "email_messages": [
        sa.Column("reply_address", sa.String(320), nullable=False, server_default="")
    ],
    "sending_connections": [
        sa.Column("encryption", sa.String(8), nullable=False, server_default="none"),
        sa.Column("from_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("reply_address", sa.String(320), nullable=False, server_default=""),
        sa.Column("rate_per_second", sa.Float(), nullable=True),
        sa.Column("daily_quota", sa.Integer(), nullable=True),
        sa.Column("folder", sa.Text(), nullable=True),
        sa.Column("modified", sa.BigInteger(), nullable=True),
    ],
    "mailings": [
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("email_messages", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("segments", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("segments_excluded", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("distribution", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("schedule_date", sa.BigInteger(), nullable=True),
        sa.Column("register_only", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("recipients", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("sent_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("failed_count", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("modified", sa.BigInteger(), nullable=True),
    ],
    "automation_events": [
        sa.Column("activated", sa.BigInteger(), nullable=True),
        sa.Column("checked_until_ms", sa.BigInteger(), nullable=True),
    ],
    "triggers": [sa.Column("mailing_id", sa.BigInteger(), nullable=True)],
}


def upgrade() -> None:
    for table, columns in _ADDED.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.add_column(column)
    op.drop_table("trigger_sends")
    op.create_table(
        "sends",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        # Compared as bytes on PostgreSQL (collation "C", as contacts.uid): cheaper in its index.
        sa.Column(
            "key",
            sa.String(96).with_variant(sa.String(96, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("mailing_id", sa.BigInteger(), nullable=False),
        sa.Column("trigger_id", sa.BigInteger(), nullable=True),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("email_message_id", sa.BigInteger(), nullable=False),
        sa.Column("connection_id", sa.BigInteger(), nullable=True),
        sa.Column("due_ms", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="queued"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("lease_until_ms", sa.BigInteger(), nullable=True),
        sa.Column("sent_ms", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sends"),
        sa.UniqueConstraint("key", name="uq_sends_key"),
    )
    op.create_index("ix_sends_status_due_ms", "sends", ["status", "due_ms"])
    op.create_index("ix_sends_mailing_id_status", "sends", ["mailing_id", "status"])
    op.create_index("ix_sends_trigger_id_sent_ms", "sends", ["trigger_id", "sent_ms"])


def downgrade() -> None:
    op.drop_table("sends")
    op.create_table(
        "trigger_sends",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column(
            "trigger_id",
            _ID,
            sa.ForeignKey(
                "triggers.id", ondelete="CASCADE", name="fk_trigger_sends_trigger_id_triggers"
            ),
            nullable=False,
        ),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.Column("occurrence", sa.String(32), nullable=False),
        sa.Column("email_message_id", sa.BigInteger(), nullable=True),
        sa.Column("connection_id", sa.BigInteger(), nullable=True),
        sa.Column("mailing_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("sent", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_trigger_sends"),
        sa.UniqueConstraint(
            "trigger_id",
            "contact_id",
            "occurrence",
            name="uq_trigger_sends_trigger_id_contact_id_occurrence",
        ),
    )
    for table, columns in reversed(_ADDED.items()):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(str(column.name))
