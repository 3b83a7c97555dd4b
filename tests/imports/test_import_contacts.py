"""`mailroom import contacts`: streaming CSV import into one list through the bulk write path."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from conftest import add_field
from conftest import ongage_headers_for as headers
from mailroom.accounts.schemas import NewAccount
from mailroom.cli.main import cli
from mailroom.context import Context
from mailroom.db.tables import contacts
from mailroom.imports.contacts import csv_failure_sink, import_contacts


@pytest.fixture
def acc(ctx: Context, account: NewAccount) -> NewAccount:
    add_field(ctx, account, "first_name")
    add_field(ctx, account, "age", "numeric")
    add_field(ctx, account, "signup", "date", "dd/mm/yyyy")
    return account


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def stored(ctx: Context) -> dict[str, Any]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(contacts.c.email, contacts.c.fields, contacts.c.import_id, contacts.c.uid)
        ).all()
    return {r.email: r for r in rows}


GOOD = (
    "\ufeffEmail,First_Name,age,signup\n"
    "ana@x.com,Ana,31,02/03/1990\n"
    "BEN@X.com,Ben,,\n"
    '"cy@x.com","Cy, Jr.",40,"15/07/2001"\n'
)


def test_import_creates_typed_contacts_visible_through_the_api(
    ctx: Context, acc: NewAccount, client: Any, tmp_path: Path
) -> None:
    report = import_contacts(
        ctx, write(tmp_path / "c.csv", GOOD), acc.default_list_id, batch_size=2
    )
    assert (report.rows, report.created, report.updated, report.failed) == (3, 3, 0, 0)
    rows = stored(ctx)
    assert rows["ana@x.com"].fields == {"first_name": "Ana", "age": 31, "signup": "1990-03-02"}
    assert rows["ben@x.com"].fields == {"first_name": "Ben"}
    assert rows["cy@x.com"].fields["first_name"] == "Cy, Jr."
    assert {r.import_id for r in rows.values()} == {report.import_id}
    contact = client.get("/api/contacts/by_email/cy@x.com", headers=headers(acc)).json()["payload"]
    assert contact["signup"] == "15/07/2001"
    assert contact["ocx_import_id"] == report.import_id
    assert contact["id"] == rows["cy@x.com"].uid


def test_failed_rows_are_counted_with_line_and_reason(
    ctx: Context, acc: NewAccount, tmp_path: Path
) -> None:
    text = (
        "email,age,signup\n"
        "ok@x.com,1,01/01/2000\n"
        "not-an-email,2,\n"
        "bad@age.com,two,\n"
        "bad@date.com,3,2000-01-01\n"
        "ok@x.com,9,\n"
        "extra@cells.com,1,01/01/2000,surplus\n"
    )
    seen: list[tuple[int, str, str]] = []
    report = import_contacts(
        ctx,
        write(tmp_path / "f.csv", text),
        acc.default_list_id,
        failures=lambda line, email, reason: seen.append((line, email, reason)),
    )
    assert (report.rows, report.created, report.failed) == (6, 1, 5)
    by_line = {line: (email, reason) for line, email, reason in seen}
    assert set(by_line) == {3, 4, 5, 6, 7}
    assert by_line[3][0] == "not-an-email" and "email" in by_line[3][1]
    assert "age" in by_line[4][1]
    assert "signup" in by_line[5][1]
    assert "already exists" in by_line[6][1]
    assert "cells" in by_line[7][1]
    assert report.reasons["invalid age"] == 1 and report.reasons["invalid signup"] == 1
    assert stored(ctx)["ok@x.com"].fields["age"] == 1


def test_overwrite_updates_and_empty_cells_keep_values(
    ctx: Context, acc: NewAccount, tmp_path: Path
) -> None:
    import_contacts(
        ctx, write(tmp_path / "a.csv", "email,first_name,age\nz@x.com,Zed,5\n"), acc.default_list_id
    )
    again = write(tmp_path / "b.csv", "email,first_name,age\nz@x.com,,6\nnew@x.com,New,\n")
    report = import_contacts(ctx, again, acc.default_list_id, overwrite=True)
    assert (report.created, report.updated, report.failed) == (1, 1, 0)
    assert stored(ctx)["z@x.com"].fields == {"first_name": "Zed", "age": 6}


def test_unknown_columns_stop_the_import_before_writing(
    ctx: Context, acc: NewAccount, tmp_path: Path
) -> None:
    from mailroom.errors import ValidationFailed

    path = write(tmp_path / "u.csv", "email,first_name,shoe_size\nq@x.com,Q,44\n")
    with pytest.raises(ValidationFailed, match="shoe_size"):
        import_contacts(ctx, path, acc.default_list_id)
    with pytest.raises(ValidationFailed, match="email"):
        import_contacts(ctx, write(tmp_path / "n.csv", "first_name\nQ\n"), acc.default_list_id)
    assert stored(ctx) == {}


def test_cli_prints_a_summary_and_writes_the_errors_file(
    ctx: Context, acc: NewAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    path = write(tmp_path / "c.csv", GOOD + "broken,1,\n")
    errors = tmp_path / "errors.csv"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "contacts",
            str(path),
            "--list",
            str(acc.default_list_id),
            "--errors",
            str(errors),
        ],
    )
    assert result.exit_code == 3, result.output  # some rows failed
    assert "4 rows" in result.output
    assert "3 created, 0 updated, 1 failed" in result.output
    with errors.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["line", "email", "reason"]
    assert rows[1][:2] == ["5", "broken"] and "email" in rows[1][2]
    assert len(stored(ctx)) == 3

    again = CliRunner().invoke(
        cli, ["import", "contacts", str(path), "--list", str(acc.default_list_id), "--overwrite"]
    )
    assert again.exit_code == 3, again.output
    assert "0 created, 3 updated, 1 failed" in again.output


def test_cli_rejects_an_unknown_list(
    ctx: Context, acc: NewAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    path = write(tmp_path / "c.csv", GOOD)
    result = CliRunner().invoke(cli, ["import", "contacts", str(path), "--list", "999999"])
    assert result.exit_code == 1
    assert "List 999999 not found" in result.output
    assert "mailroom lists create NAME" in result.output


def test_failure_sink_writes_csv(tmp_path: Path) -> None:
    out_path = tmp_path / "e.csv"
    with out_path.open("w", newline="") as out:
        sink = csv_failure_sink(out)
        sink(7, "a,b@x.com", 'has "quotes"')
    with out_path.open(newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["line", "email", "reason"],
            ["7", "a,b@x.com", 'has "quotes"'],
        ]
