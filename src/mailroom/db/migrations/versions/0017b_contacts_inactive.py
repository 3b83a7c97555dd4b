"""contacts: a partial index of the contacts not active, by list, status and email

The console filters a list's contacts by status in email order. Active contacts are most of a
list, so that filter finds a page at once on the (list_id, email) index; bounced, unsubscribed
and complaint contacts are a few percent, and finding 50 of them there would walk hundreds of
thousands of rows. This index holds only them. A status change now writes it (no longer a HOT
update on PostgreSQL for that row); field updates and active contacts are not affected.

Revision ID: 0017b_contacts_inactive
Revises: 0017a_charts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017b_contacts_inactive"
down_revision = "0017a_charts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inactive = sa.text("status <> 'active'")
    op.create_index(
        "ix_contacts_inactive",
        "contacts",
        ["list_id", "status", "email"],
        sqlite_where=inactive,
        postgresql_where=inactive,
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_inactive", table_name="contacts")
