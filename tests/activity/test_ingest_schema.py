"""Migration 0004: the aggregate tables' storage for fast ingest, and its way back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from mailroom.context import Context
from mailroom.db.engine import make_engine
from mailroom.db.migrate import alembic_config, upgrade

RECENT = "ix_contact_mailing_totals_recent"


def test_aggregate_tables_as_migrated(ctx: Context) -> None:
    with ctx.db.read() as conn:
        indexes = {i["name"] for i in inspect(conn).get_indexes("contact_mailing_totals")}
        assert RECENT not in indexes
        if ctx.db.is_sqlite:
            ddl = dict(conn.execute(text("SELECT name, sql FROM sqlite_master")).all())
            assert ddl["contact_mailing_totals"].rstrip().endswith("WITHOUT ROWID")
            assert ddl["activity_hourly"].rstrip().endswith("WITHOUT ROWID")
            assert "contact_id INTEGER NOT NULL" in ddl["contact_totals"]  # the rowid itself
            assert "sqlite_autoindex_contact_totals_1" not in ddl
        else:
            options = dict(
                conn.execute(
                    text(
                        "SELECT relname, reloptions FROM pg_class WHERE relname IN"
                        " ('contact_totals', 'contact_mailing_totals', 'activity_hourly')"
                    )
                ).all()
            )
            assert options == {
                "contact_totals": ["fillfactor=70"],
                "contact_mailing_totals": ["fillfactor=70"],
                "activity_hourly": ["fillfactor=70"],
            }


def test_sqlite_down_and_up_again_keeps_the_rows(tmp_path: Path) -> None:
    """On a database of its own: the shared test schema stays as it is."""
    from alembic import command

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    engine = make_engine(url)
    rows = {
        "contact_totals": "(contact_id, account_id, list_id, opens) VALUES (7, 1, 1, 3)",
        "contact_mailing_totals": "(contact_id, mailing_id, account_id, sends) VALUES (7, 2, 1, 1)",
        "activity_hourly": "(list_id, hour, type, machine, account_id, count)"
        " VALUES (1, 3600, 2, 0, 1, 5)",
    }
    with engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(text(f"INSERT INTO {table} {values}"))
    engine.dispose()
    command.downgrade(alembic_config(url), "0003_list_fields_version")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert RECENT in {i["name"] for i in inspect(conn).get_indexes("contact_mailing_totals")}
        assert [conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in rows] == [1, 1, 1]
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT opens FROM contact_totals WHERE contact_id = 7")) == 3
        assert conn.scalar(text("SELECT count FROM activity_hourly")) == 5
        assert conn.scalar(text("SELECT sends FROM contact_mailing_totals")) == 1
    engine.dispose()
