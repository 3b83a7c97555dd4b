"""A process's memory of list field schemas, checked against `lists.fields_version` on each use.

Every contact read renders through its list's schema. The hot reads fetch the list's
`fields_version` in the same query as the contact, so a schema held here is used only while it
is current, whichever process changed the fields.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection

from mailroom.context import Context
from mailroom.fields.service import FieldSchema, schema_of_list

MAX_LISTS = 10_000


class SchemaCache:
    def __init__(self, max_lists: int = MAX_LISTS) -> None:
        self.max_lists = max_lists
        self._lock = threading.Lock()
        self._schemas: dict[int, tuple[int, FieldSchema]] = {}

    def get(self, conn: Connection, list_id: int, version: int) -> FieldSchema:
        """The list's schema at `version` or later, read from the database when not held."""
        held = self._schemas.get(list_id)
        if held is not None and held[0] == version:
            return held[1]
        # Read after `version` was: at worst newer than it, then the next call reads again.
        schema = schema_of_list(conn, list_id)
        with self._lock:
            if len(self._schemas) >= self.max_lists:
                self._schemas.clear()
            self._schemas[list_id] = (version, schema)
        return schema


def schema_cache(ctx: Context) -> SchemaCache:
    found = ctx.services.get("field_schemas")
    if found is None:
        found = ctx.services["field_schemas"] = SchemaCache()
    return found  # type: ignore[no-any-return]
