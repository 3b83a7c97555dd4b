"""account_hourly and served_hourly: the counters of the contacts chart (Tellody's ContactChart)

``account_hourly`` counts, per account and UTC hour (one key range per chart), contacts
created, contacts opted out (a status change to unsubscribed or complaint) and lists created;
the writes happen in the transactions that make those changes. ``served_hourly`` counts sends
by (hour, hour of the contact's previous send), from which distinct contacts sent to in any
hour-aligned bucket follow exactly.

Existing data is counted once here from what the tables hold: contacts by ``created``, lists by
``created``, opt-outs by the contacts' current status and its date, sends from ``events``.

Revision ID: 0015b_chart_counters
Revises: 0015a_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015b_chart_counters"
down_revision = "0015a_sessions"
branch_labels = None
depends_on = None


BACKFILL_LISTS = """
INSERT INTO account_hourly (account_id, hour, contacts_added, contacts_blocked, lists_added)
SELECT account_id, hour, sum(added), sum(blocked), sum(made) FROM (
    SELECT account_id, created / 3600 * 3600 AS hour, 1 AS added, 0 AS blocked, 0 AS made
    FROM contacts
    UNION ALL
    SELECT account_id,
           coalesce(CASE status WHEN 'unsubscribed' THEN unsubscribe_date
                    ELSE complaint_date END, modified) / 3600 * 3600,
           0, 1, 0
    FROM contacts WHERE status IN ('unsubscribed', 'complaint')
    UNION ALL
    SELECT account_id, created / 3600 * 3600, 0, 0, 1 FROM lists
) AS counted
GROUP BY account_id, hour
"""

BACKFILL_SERVED = """
INSERT INTO served_hourly (account_id, hour, prev_hour, sends)
SELECT account_id, hour, prev_hour, count(*) FROM (
    SELECT account_id, at_ms / 3600000 * 3600 AS hour,
           coalesce(lag(at_ms) OVER (PARTITION BY contact_id ORDER BY at_ms, id)
                    / 3600000 * 3600, -1) AS prev_hour
    FROM events WHERE type = 1
) AS sends
GROUP BY account_id, hour, prev_hour
"""


def upgrade() -> None:
    no_rowid = {"sqlite_with_rowid": False}
    op.create_table(
        "account_hourly",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("contacts_added", sa.Integer(), server_default="0", nullable=False),
        sa.Column("contacts_blocked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lists_added", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("account_id", "hour", name="pk_account_hourly"),
        **no_rowid,
    )
    op.create_table(
        "served_hourly",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("prev_hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sends", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("account_id", "hour", "prev_hour", name="pk_served_hourly"),
        **no_rowid,
    )
    op.execute(BACKFILL_LISTS)
    op.execute(BACKFILL_SERVED)


def downgrade() -> None:
    op.drop_table("served_hourly")
    op.drop_table("account_hourly")
