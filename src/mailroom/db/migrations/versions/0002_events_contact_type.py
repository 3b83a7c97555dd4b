"""events: the per-contact log index also carries the event type

A contact's activity log filtered by type (Constant Contact's activity_details, e.g. clicks only)
then skips the other types inside the index instead of reading each skipped row from the table.
Same leading columns as before, so every other per-contact read keeps using it.

Revision ID: 0002_events_contact_type
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002_events_contact_type"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_events_contact_at_type", "events", ["contact_id", "at_ms", "id", "type"], unique=False
    )
    op.drop_index("ix_events_contact_at", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_contact_at", "events", ["contact_id", "at_ms", "id"], unique=False)
    op.drop_index("ix_events_contact_at_type", table_name="events")
