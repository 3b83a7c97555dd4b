"""Migration ids fit Alembic's version table (VARCHAR(32) on PostgreSQL; SQLite never checks)."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from mailroom.db.migrate import alembic_config


def test_every_revision_id_fits_the_version_table() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    ids = [script.revision for script in scripts.walk_revisions()]
    assert len(ids) >= 7
    assert [i for i in ids if len(i) > 32] == []
