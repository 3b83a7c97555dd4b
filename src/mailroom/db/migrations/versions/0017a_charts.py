"""charts: the console's rollups (mailing funnels, first-72-hour curves, top links, list counts)

Snapshots the `charts.refresh` job writes, so no console page counts a million contacts or sums a
mailing's totals on request. Empty until the job first runs for an account.

Revision ID: 0017a_charts
Revises: 0016_automation
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017a_charts"
down_revision = "0016_automation"
branch_labels = None
depends_on = None

NO_ROWID: dict[str, Any] = {"sqlite_with_rowid": False}


def _mailing_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["mailing_id"], ["mailings.id"], ondelete="CASCADE")


def _counter(name: str, type_: Any = sa.Integer) -> sa.Column[Any]:
    return sa.Column(name, type_(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "mailing_stats",
        sa.Column(
            "mailing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        *(
            _counter(name, sa.BigInteger)
            for name in (
                "sent",
                "delivered",
                "opened",
                "opened_any",
                "clicked",
                "clicked_any",
                "bounced",
                "complained",
                "opted_out",
            )
        ),
        sa.Column("computed_ms", sa.BigInteger(), nullable=False),
        _mailing_fk(),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mailing_id", name=op.f("pk_mailing_stats")),
    )
    op.create_index(op.f("ix_mailing_stats_account_id"), "mailing_stats", ["account_id"])
    op.create_table(
        "mailing_hourly",
        sa.Column(
            "mailing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("hour", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        *(_counter(n) for n in ("opens", "machine_opens", "clicks", "machine_clicks")),
        _mailing_fk(),
        sa.PrimaryKeyConstraint("mailing_id", "hour", name=op.f("pk_mailing_hourly")),
        **NO_ROWID,
    )
    op.create_table(
        "mailing_links",
        sa.Column(
            "mailing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("link_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        *(_counter(n) for n in ("clicks", "machine_clicks")),
        _mailing_fk(),
        sa.PrimaryKeyConstraint("mailing_id", "link_id", name=op.f("pk_mailing_links")),
        **NO_ROWID,
    )
    op.create_table(
        "list_status_counts",
        sa.Column("list_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("contacts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("list_id", "status", name=op.f("pk_list_status_counts")),
        **NO_ROWID,
    )
    op.create_index(op.f("ix_list_status_counts_account_id"), "list_status_counts", ["account_id"])


def downgrade() -> None:
    for name in ("list_status_counts", "mailing_links", "mailing_hourly", "mailing_stats"):
        op.drop_table(name)
