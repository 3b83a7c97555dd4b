"""A small account history whose contacts chart is counted by hand in the tests.

Every change goes through the public APIs (Ongage lists and contacts, change_status, the bulk
event ingest), at these UTC times (local times for a UTC+3 and a UTC-5 caller beside them):

| what                                   | UTC            | UTC+3          | UTC-5          |
|----------------------------------------|----------------|----------------|----------------|
| default list (account created)         | 01-01 00:00    | Jan 1 03:00    | Dec 31 19:00   |
| list B created                         | 03-10 09:15    | Tue 10 12:15   | Tue 10 04:15   |
| c1, c2, c3 added to the default list   | 03-10 09:20    | Tue 10 12:20   | Tue 10 04:20   |
| c1 unsubscribed (change_status)        | 03-10 10:05    | Tue 10 13:05   | Tue 10 05:05   |
| c4, c5 added to list B                 | 03-10 22:30    | Wed 11 01:30   | Tue 10 17:30   |
| c6 added to the default list           | 03-11 02:10    | Wed 11 05:10   | Tue 10 21:10   |
| sends: c1 09:30 and 09:50, c2 09:40    | 03-10 09:xx    | Tue 10 12:xx   | Tue 10 04:xx   |
| send c2                                | 03-10 21:10    | Wed 11 00:10   | Tue 10 16:10   |
| complaint c2 (an event: blocks)        | 03-10 21:40    | Wed 11 00:40   | Tue 10 16:40   |
| opt-out c1 again (already out: no)     | 03-10 23:00    |                |                |
| hard bounce c3 (not an opt-out)        | 03-11 03:30    |                |                |
| send c3                                | 03-11 03:00    | Wed 11 06:00   | Tue 10 22:00   |
| send c3, arriving late (second batch)  | 03-10 12:00    | Tue 10 15:00   | Tue 10 07:00   |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from mailroom.accounts.schemas import NewAccount
from mailroom.kit.clock import FrozenClock

UTC = UTC
PLUS3 = timezone(timedelta(hours=3))
MINUS5 = timezone(timedelta(hours=-5))


def at(month: int, day: int, hour: int, minute: int = 0, tz: timezone = UTC) -> int:
    return int(datetime(2026, month, day, hour, minute, tzinfo=tz).timestamp() * 1000)


def seed(client: Any, clock: FrozenClock, account: NewAccount) -> dict[str, str]:
    """Build the history above; returns contact name -> email."""
    ongage = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    bearer = {"Authorization": f"Bearer {account.token}"}
    emails = {f"c{n}": f"c{n}@chart.test" for n in range(1, 7)}

    def post(path: str, body: Any, headers: dict[str, str]) -> Any:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    clock.set(at(3, 10, 9, 15))
    list_b = post("/api/lists", {"name": "B"}, ongage)["payload"]["id"]
    clock.set(at(3, 10, 9, 20))
    post("/api/v2/contacts", [{"email": emails[c]} for c in ("c1", "c2", "c3")], ongage)
    clock.set(at(3, 10, 10, 5))
    post(
        "/api/v2/contacts/change_status",
        {"emails": [emails["c1"]], "change_to": "unsubscribe"},
        ongage,
    )
    clock.set(at(3, 10, 22, 30))
    post(
        "/api/v2/contacts",
        [{"email": emails[c], "list_id": list_b} for c in ("c4", "c5")],
        ongage,
    )
    clock.set(at(3, 11, 2, 10))
    post("/api/v2/contacts", {"email": emails["c6"]}, ongage)

    clock.set(at(3, 11, 4, 0))

    def event(kind: str, who: str, when: int, **more: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "email": emails[who],
            "list_id": account.default_list_id,
            "at": when,
            **more,
        }

    first = [
        event("em_sends", "c1", at(3, 10, 9, 30)),
        event("em_sends", "c1", at(3, 10, 9, 50)),
        event("em_sends", "c2", at(3, 10, 9, 40)),
        event("em_sends", "c2", at(3, 10, 21, 10)),
        event("em_complaints", "c2", at(3, 10, 21, 40)),
        event("em_optouts", "c1", at(3, 10, 23, 0)),
        event("em_bounces", "c3", at(3, 11, 3, 30), bounce_type="hard"),
        event("em_sends", "c3", at(3, 11, 3, 0)),
    ]
    result = post("/mailroom/v1/events", first, bearer)
    assert result["accepted"] == len(first), result
    late = [event("em_sends", "c3", at(3, 10, 12, 0))]
    assert post("/mailroom/v1/events", late, bearer)["accepted"] == 1
    clock.set(at(6, 1, 0, 0))  # every window asked about is closed
    return emails


def spread(length: int, nonzero: dict[int, int]) -> list[int]:
    """A series of `length` zeros with the given positions set."""
    out = [0] * length
    for index, value in nonzero.items():
        out[index] = value
    return out
