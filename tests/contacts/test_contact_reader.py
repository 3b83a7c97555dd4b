"""Hot single-contact reads: many concurrent callers, each answered from its own account."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import add_field, ongage_headers_for
from mailroom.accounts.schemas import NewAccount
from mailroom.contacts import reader as reader_module
from mailroom.contacts import repository
from mailroom.contacts.reader import ContactReader
from mailroom.context import Context


def _add(client: Any, acc: NewAccount, emails: list[str]) -> dict[str, str]:
    body = [{"email": e, "fields": {"city": e.split("@")[0]}} for e in emails]
    response = client.post("/api/v2/contacts", json=body, headers=ongage_headers_for(acc))
    assert response.status_code == 200, response.text
    return {
        e: client.get(f"/api/contacts/by_email/{e}", headers=ongage_headers_for(acc)).json()[
            "payload"
        ]["id"]
        for e in emails
    }


def test_concurrent_reads_each_get_their_own_answer(
    client: TestClient,
    ctx: Context,
    account: NewAccount,
    other_account: NewAccount,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_field(ctx, account, "city")
    add_field(ctx, other_account, "city")
    mine = _add(client, account, [f"m{i}@example.com" for i in range(20)])
    theirs = _add(client, other_account, [f"t{i}@example.com" for i in range(5)])
    rounds: list[int] = []
    real = repository.many_in_account_lists

    def counted(conn: Any, by: str, wanted: Any) -> Any:
        rounds.append(len(wanted))
        return real(conn, by, wanted)

    monkeypatch.setattr(repository, "many_in_account_lists", counted)
    reader = ContactReader(ctx)
    a, a_list = account.account_id, account.default_list_id
    asks: list[tuple[Any, ...]] = []
    for email, uid in mine.items():
        asks.append(("email", a, a_list, email.upper(), email))  # any case
        asks.append(("uid", a, a_list, uid, email))
    for email, uid in theirs.items():
        asks.append(("email", a, a_list, email, None))  # not in my list
        asks.append(("uid", a, other_account.default_list_id, uid, None))  # not my list
        asks.append(("uid", other_account.account_id, other_account.default_list_id, uid, email))
    asks.append(("uid", a, a_list, "not-an-id", None))
    asks.append(("email", a, a_list, "nobody@example.com", None))

    async def ask_all() -> list[Any]:
        return await asyncio.gather(*(reader.get(*ask[:4]) for ask in asks))

    answers = asyncio.run(ask_all())
    for ask, answer in zip(asks, answers, strict=True):
        expected = ask[4]
        if expected is None:
            assert answer is None, ask
        else:
            contact, schema = answer
            assert contact.email == expected and contact.fields["city"] == expected.split("@")[0]
            assert contact.account_id == ask[1] and "city" in schema.fields
    if ctx.db.is_sqlite:
        assert rounds == []  # one direct query per read
    else:
        assert max(rounds) > 1  # reads waiting behind the first were fetched together


def test_a_failed_round_fails_its_callers_and_the_next_round_works(
    client: TestClient, ctx: Context, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_field(ctx, account, "city")
    _add(client, account, ["ann@example.com"])
    reader = ContactReader(ctx)
    real = reader._read
    calls = {"n": 0}

    def flaky(wanted: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(wanted)

    monkeypatch.setattr(reader, "_read", flaky)

    async def ask() -> Any:
        return await reader.get(
            "email", account.account_id, account.default_list_id, "ann@example.com"
        )

    with pytest.raises(RuntimeError, match="went away"):
        asyncio.run(ask())
    found = asyncio.run(ask())  # a new event loop too: the reader follows it
    assert found is not None and found[0].email == "ann@example.com"


def test_a_miss_distinguishes_list_and_contact_over_http(
    client: TestClient, ctx: Context, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    add_field(ctx, account, "city")
    _add(client, account, ["ann@example.com"])
    nobody = client.get("/api/contacts/by_email/bob@example.com", headers=ongage_headers)
    assert nobody.status_code == 404 and nobody.json()["payload"]["message"] == "Email not found"
    no_list = client.get("/999999/api/contacts/by_email/ann@example.com", headers=ongage_headers)
    assert no_list.status_code == 404
    assert no_list.json()["payload"]["message"] == "List not found"
    bad_id = client.get("/api/contacts/by_id/zzz", headers=ongage_headers)
    assert bad_id.status_code == 404
    assert bad_id.json()["payload"]["message"] == "Contact not found"


def test_the_reader_is_one_per_context(ctx: Context) -> None:
    assert reader_module.contact_reader(ctx) is reader_module.contact_reader(ctx)
