"""Rules for list-field definitions: names, types and the keys a field object has."""

from __future__ import annotations

import re

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_NAME = 64
MAX_TITLE = 255
SYSTEM_PREFIX = "ocx_"
# Keys a contact body already uses for itself; a field of that name could not be told apart.
RESERVED_NAMES = frozenset({"id", "list_id", "fields", "overwrite"})
CUSTOM_TYPES = ("string", "numeric", "date")
EMAIL_FIELD = "email"
FIELD_NOT_FOUND = "List field not found"
