"""Migration 0002: the per-contact log index carries the event type (both backends)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from mailroom.context import Context
from mailroom.db.engine import make_engine
from mailroom.db.migrate import alembic_config, upgrade

COLUMNS = ["contact_id", "at_ms", "id", "type"]


def _indexes(engine: object) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("events")}


def test_migrated_database_has_the_typed_log_index(ctx: Context) -> None:
    indexes = _indexes(ctx.db.engine)
    assert indexes["ix_events_contact_at_type"] == COLUMNS
    assert "ix_events_contact_at" not in indexes


def test_migration_goes_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        assert _indexes(engine)["ix_events_contact_at"] == ["contact_id", "at_ms", "id"]
        upgrade(url)
        assert _indexes(engine)["ix_events_contact_at_type"] == COLUMNS
        command.downgrade(alembic_config(url), "0001")
        indexes = _indexes(engine)
        assert "ix_events_contact_at_type" not in indexes
        assert indexes["ix_events_contact_at"] == ["contact_id", "at_ms", "id"]
    finally:
        engine.dispose()
