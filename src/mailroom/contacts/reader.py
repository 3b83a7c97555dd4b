"""Single-contact reads for the hottest API calls (`by_email`, `by_id`), with their field schema.

On SQLite a read is one indexed query of a few microseconds, run on the event loop. On
PostgreSQL each query costs a round trip and far more CPU in the driver, so reads that arrive
while one is in flight are coalesced (`kit.rounds`): the next round fetches all of them in one
query (each looked up in its own account), in a worker thread so the loop keeps serving.
Answers are never cached; every round reads committed data.
"""

from __future__ import annotations

from typing import Literal

from mailroom.contacts import repository
from mailroom.contacts.schemas import Contact
from mailroom.context import Context
from mailroom.fields.cache import SchemaCache, schema_cache
from mailroom.fields.service import FieldSchema
from mailroom.kit.emails import is_email
from mailroom.kit.ids import is_object_id
from mailroom.kit.rounds import Rounds

By = Literal["email", "uid"]
Found = tuple[Contact, FieldSchema]
MAX_ROUND = 500
Wanted = tuple[By, int, int, str]  # (by, account id, list id, key)


class ContactReader:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.schemas: SchemaCache = schema_cache(ctx)
        self.coalesce = not ctx.db.reads_in_process
        # Looked up per round, like the direct read on SQLite: one `_read` serves both paths.
        self._rounds: Rounds[Wanted, Found | None] = Rounds(lambda w: self._read(w), MAX_ROUND)

    async def get(self, by: By, account_id: int, list_id: int, key: str) -> Found | None:
        """The contact of the account's list by email (any case) or 24-hex id, or None."""
        key = key.strip().lower()
        if not (is_object_id(key) if by == "uid" else is_email(key)):
            return None
        if not self.coalesce:
            return self._read([(by, account_id, list_id, key)])[0]
        return await self._rounds.submit((by, account_id, list_id, key))

    def _read(self, wanted: list[Wanted]) -> list[Found | None]:
        out: list[Found | None] = [None] * len(wanted)
        with self.ctx.db.single() as conn:
            if len(wanted) == 1 or not self.coalesce:
                for i, (by, account_id, list_id, key) in enumerate(wanted):
                    hit = repository.one_in_account_list(conn, by, account_id, list_id, key)
                    if hit is not None:
                        out[i] = (hit[0], self.schemas.get(conn, hit[0].list_id, hit[1]))
                return out
            for by in ("email", "uid"):
                positions = [i for i, w in enumerate(wanted) if w[0] == by]
                if not positions:
                    continue
                rows = repository.many_in_account_lists(
                    conn, by, [wanted[i][1:] for i in positions]
                )
                for slot, (contact, version) in rows.items():
                    schema = self.schemas.get(conn, contact.list_id, version)
                    out[positions[slot]] = (contact, schema)
        return out


def contact_reader(ctx: Context) -> ContactReader:
    found = ctx.services.get("contact_reader")
    if found is None:
        found = ctx.services["contact_reader"] = ContactReader(ctx)
    return found  # type: ignore[no-any-return]
