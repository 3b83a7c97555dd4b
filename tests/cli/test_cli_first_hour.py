"""The first hour from the command line: accounts, lists, fields, an import with new columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from conftest import make_account
from mailroom.accounts.schemas import NewAccount
from mailroom.cli.main import cli
from mailroom.context import Context
from mailroom.db.tables import contacts, list_fields


@pytest.fixture
def run(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(cli, [*args])

    return invoke


def fields_of(ctx: Context, list_id: int) -> dict[str, tuple[str, str]]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(list_fields.c.name, list_fields.c.type, list_fields.c.format).where(
                list_fields.c.list_id == list_id
            )
        ).all()
    return {r.name: (r.type, r.format) for r in rows}


def contacts_of(ctx: Context, list_id: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(contacts.c.email, contacts.c.fields).where(contacts.c.list_id == list_id)
        ).all()
    return {r.email: r.fields for r in rows}


def test_accounts_list_shows_codes_and_usernames_never_passwords(
    run: Any, account: NewAccount, other_account: NewAccount
) -> None:
    result = run("accounts", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["code", "name", "default_list_id", "usernames"]
    assert any(account.account_code in line and account.username in line for line in lines)
    assert any(other_account.account_code in line for line in lines)
    assert account.password not in result.output


def test_lists_create_then_list_with_one_account(run: Any, account: NewAccount) -> None:
    made = run("lists", "create", "Newsletter")
    assert made.exit_code == 0, made.output
    created = json.loads(made.stdout.splitlines()[0])
    assert created["name"] == "Newsletter" and created["default"] is False
    assert created["account"] == account.account_code
    assert f"--list {created['id']} --create-fields" in made.stderr

    listed = run("lists", "list")
    assert listed.exit_code == 0, listed.output
    rows = {line.split()[0]: line for line in listed.output.splitlines()[1:]}
    assert "Newsletter" in rows[str(created["id"])]
    assert rows[str(account.default_list_id)].rstrip().endswith("*")
    assert not rows[str(created["id"])].rstrip().endswith("*")


def test_lists_create_default_and_lists_default_move_the_default(
    run: Any, ctx: Context, account: NewAccount
) -> None:
    made = json.loads(run("lists", "create", "Main", "--default").stdout.splitlines()[0])
    assert made["default"] is True
    with ctx.db.read() as conn:
        from mailroom.lists import service

        assert service.default_list_id(conn, account.account_id) == made["id"]
    back = run("lists", "default", str(account.default_list_id))
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout.splitlines()[0]) == {
        "default_list_id": account.default_list_id,
        "previous": made["id"],
    }
    suppression = run("lists", "create", "Blocked", "--suppression")
    blocked = json.loads(suppression.stdout.splitlines()[0])["id"]
    refused = run("lists", "default", str(blocked))
    assert refused.exit_code == 1 and "suppression list cannot be" in refused.output
    unknown = run("lists", "default", "999999")
    assert unknown.exit_code == 1 and "List not found" in unknown.output


def test_several_accounts_need_account_and_none_says_how_to_make_one(
    run: Any, ctx: Context
) -> None:
    empty = run("lists", "list")
    assert empty.exit_code == 1 and "mailroom accounts create NAME" in empty.output
    first = make_account(ctx, "One")
    make_account(ctx, "Two")
    ambiguous = run("lists", "create", "News")
    assert ambiguous.exit_code == 1 and "--account CODE" in ambiguous.output
    named = run("lists", "create", "News", "--account", first.account_code)
    assert named.exit_code == 0, named.output
    wrong = run("lists", "list", "--account", "nope")
    assert wrong.exit_code == 1 and "No account with code 'nope'" in wrong.output


def test_fields_create_takes_strftime_or_ongage_date_formats(
    run: Any, ctx: Context, account: NewAccount
) -> None:
    list_id = str(account.default_list_id)
    made = run("fields", "create", "--list", list_id, "birthday", "date", "--format", "%d/%m/%Y")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["format"] == "dd/mm/yyyy"
    assert run("fields", "create", "--list", list_id, "score", "numeric").exit_code == 0
    assert fields_of(ctx, account.default_list_id)["birthday"] == ("date", "dd/mm/yyyy")

    no_format = run("fields", "create", "--list", list_id, "joined", "date")
    assert no_format.exit_code == 2 and "--format" in no_format.output
    bad_format = run("fields", "create", "--list", list_id, "joined", "date", "--format", "%Y")
    assert bad_format.exit_code == 2 and "--format" in bad_format.output
    twice = run("fields", "create", "--list", list_id, "score", "string")
    assert twice.exit_code == 1 and "already has a field named 'score'" in twice.output
    bad_name = run("fields", "create", "--list", list_id, "First Name", "string")
    assert bad_name.exit_code == 1 and "lower-case letter" in bad_name.output
    unknown = run("fields", "create", "--list", "999999", "x", "string")
    assert unknown.exit_code == 1 and "List not found" in unknown.output

    shown = run("fields", "list", "--list", list_id)
    names = [line.split()[1] for line in shown.output.splitlines()[1:]]
    assert names == ["email", "birthday", "score"]


def test_import_into_a_new_list_creating_new_columns_as_fields(
    run: Any, ctx: Context, account: NewAccount, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "email,first_name,last_name,birthday\n"
        "ana@example.com,Ana,Lee,1990-03-02\n"
        "ben@example.com,Ben,Ng,\n",
        encoding="utf-8",
    )
    list_id = json.loads(run("lists", "create", "Customers").stdout.splitlines()[0])["id"]

    refused = run("import", "contacts", str(path), "--list", str(list_id), "--no-progress")
    assert refused.exit_code == 1
    assert "first_name, last_name, birthday" in refused.output
    assert "--create-fields" in refused.output and "--field-type" in refused.output
    assert "overwrite=true" not in refused.output

    done = run(
        "import", "contacts", str(path), "--list", str(list_id), "--no-progress",
        "--create-fields", "--field-type", "birthday=date:%Y-%m-%d",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "2 created, 0 updated, 0 failed" in done.output
    assert fields_of(ctx, list_id) == {
        "email": ("email", ""),
        "first_name": ("string", ""),
        "last_name": ("string", ""),
        "birthday": ("date", "yyyy-mm-dd"),
    }
    stored = contacts_of(ctx, list_id)
    assert stored["ana@example.com"]["birthday"] == "1990-03-02"
    assert stored["ben@example.com"]["first_name"] == "Ben"

    again = run("import", "contacts", str(path), "--list", str(list_id), "--no-progress")
    assert again.exit_code == 4, again.output  # nothing imported
    assert "pass --overwrite to update it" in again.output
    assert "overwrite=true" not in again.output


def test_field_type_alone_creates_only_that_column_and_bad_specs_name_the_flag(
    run: Any, ctx: Context, account: NewAccount, tmp_path: Path
) -> None:
    path = tmp_path / "p.csv"
    path.write_text("email,score,nick\na@example.com,7,al\nb@example.com,x,bo\n", encoding="utf-8")
    list_id = str(account.default_list_id)
    partial = run(
        "import", "contacts", str(path), "--list", list_id, "--no-progress",
        "--field-type", "score=numeric",
    )  # fmt: skip
    assert partial.exit_code == 1 and "not fields of list" in partial.output
    assert "nick" in partial.output and "score" not in partial.output.split(":")[1]
    assert fields_of(ctx, account.default_list_id)["score"] == ("numeric", "")

    some = run(
        "import", "contacts", str(path), "--list", list_id, "--no-progress", "--create-fields"
    )
    assert some.exit_code == 3, some.output  # the row with score "x" failed
    assert "1 created, 0 updated, 1 failed" in some.output
    for spec, words in [
        ("score", "NAME=TYPE"),
        ("score=text", "string, numeric, date"),
        ("when=date", "needs its format"),
        ("when=date:%Q", "unknown date format"),
        ("score=numeric:%Y", "only date fields"),
    ]:
        bad = run("import", "contacts", str(path), "--list", list_id, "--field-type", spec)
        assert bad.exit_code == 2 and "--field-type" in bad.output and words in bad.output, spec
    absent = run("import", "contacts", str(path), "--list", list_id, "--field-type", "age=numeric")
    assert absent.exit_code == 1 and "no column named age" in absent.output


def test_an_empty_file_imports_nothing(run: Any, account: NewAccount, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("email\n", encoding="utf-8")
    result = run(
        "import", "contacts", str(path), "--list", str(account.default_list_id), "--no-progress"
    )
    assert result.exit_code == 4 and "0 rows" in result.output


def test_a_column_that_cannot_be_a_field_is_named_by_its_header(
    run: Any, ctx: Context, account: NewAccount, tmp_path: Path
) -> None:
    path = tmp_path / "p.csv"
    path.write_text("email,First Name,ok_col\na@example.com,A,b\n", encoding="utf-8")
    list_id = str(account.default_list_id)
    result = run("import", "contacts", str(path), "--list", list_id, "--create-fields")
    assert result.exit_code == 1
    assert "column 'First Name'" in result.output and "rename them in the header" in result.output
    assert "item 0" not in result.output
    assert "ok_col" not in fields_of(ctx, account.default_list_id)  # all or nothing
