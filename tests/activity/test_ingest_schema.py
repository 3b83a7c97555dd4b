"""Migrations 0004 and 0005: the aggregate tables' storage for fast ingest, and the way back."""

from __future__ import annotations

from pathlib import Path

import pytest
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
                        " ('contact_totals', 'contact_mailing_totals', 'activity_hourly',"
                        " 'contacts')"
                    )
                ).all()
            )
            assert options == {
                "contact_totals": ["fillfactor=70"],
                "contact_mailing_totals": ["fillfactor=70"],
                "activity_hourly": ["fillfactor=70"],
                "contacts": ["fillfactor=90"],
            }


def test_sqlite_down_and_up_again_keeps_the_rows(tmp_path: Path) -> None:
    """On a database of its own: the shared test schema stays as it is."""
    from alembic import command

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url, "0004_ingest_speed")
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
    upgrade(url, "0004_ingest_speed")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT opens FROM contact_totals WHERE contact_id = 7")) == 3
        assert conn.scalar(text("SELECT count FROM activity_hourly")) == 5
        assert conn.scalar(text("SELECT sends FROM contact_mailing_totals")) == 1
    engine.dispose()


NARROW = [  # (list_id, hour, type, machine, account_id, count) as 0004 kept them
    (1, 3600, 1, False, 1, 10),  # sends
    (1, 3600, 2, False, 1, 4),  # people's opens
    (1, 3600, 2, True, 1, 3),  # machines' opens
    (1, 3600, 3, True, 1, 2),  # machines' clicks
    (1, 3600, 9, False, 1, 1),  # p_contact_add
    (1, 7200, 1, True, 1, 5),  # sends flagged as machines': still sends
    (2, 3600, 11, False, 1, 6),  # complaints, another list
]


def test_hourly_rows_become_one_per_list_hour_and_back(tmp_path: Path) -> None:
    """0005 folds 0004's rows into one row per list-hour and its downgrade unfolds them."""
    from alembic import command

    url = f"sqlite:///{tmp_path / 'hourly.db'}"
    upgrade(url, "0004_ingest_speed")
    engine = make_engine(url)
    with engine.begin() as conn:
        for row in NARROW:
            conn.execute(
                text(
                    "INSERT INTO activity_hourly (list_id, hour, type, machine, account_id, count)"
                    " VALUES (:l, :h, :t, :m, :a, :c)"
                ),
                dict(zip("lhtmac", row, strict=True)),
            )
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        wide = {
            (r.list_id, r.hour): r._mapping
            for r in conn.execute(text("SELECT * FROM activity_hourly"))
        }
    engine.dispose()
    assert set(wide) == {(1, 3600), (1, 7200), (2, 3600)}
    first = wide[(1, 3600)]
    assert (first["em_sends"], first["em_opens"], first["em_opens_machine"]) == (10, 4, 3)
    assert (first["em_clicks"], first["em_clicks_machine"], first["p_contact_add"]) == (0, 2, 1)
    assert wide[(1, 7200)]["em_sends"] == 5
    assert wide[(2, 3600)]["em_complaints"] == 6
    assert sum(
        sum(v for k, v in r.items() if k not in ("list_id", "hour", "account_id"))
        for r in wide.values()
    ) == sum(r[-1] for r in NARROW)

    command.downgrade(alembic_config(url), "0004_ingest_speed")
    engine = make_engine(url)
    with engine.connect() as conn:
        back = {
            tuple(r)
            for r in conn.execute(
                text("SELECT list_id, hour, type, machine, account_id, count FROM activity_hourly")
            )
        }
    engine.dispose()
    # the machine flag of a send is not kept: the 5 sends come back as people's
    assert back == {r if r[2] in (2, 3) else (*r[:3], False, *r[4:]) for r in NARROW}


def test_identifier_keys_compare_as_bytes_on_postgresql(ctx: Context) -> None:
    """0006: the uid and idempotency-key indexes use collation "C" (SQLite compares bytes)."""
    if ctx.db.is_sqlite:
        pytest.skip("PostgreSQL's column collations")
    with ctx.db.read() as conn:
        collations = dict(
            conn.execute(
                text(
                    "SELECT table_name || '.' || column_name, collation_name"
                    " FROM information_schema.columns WHERE column_name IN ('uid', 'idem_key')"
                    " AND table_name IN ('contacts', 'events')"
                )
            ).all()
        )
    assert collations == {"contacts.uid": "C", "events.idem_key": "C"}
