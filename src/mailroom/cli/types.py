"""Parameter types the commands share: an id is a whole number a BIGINT column holds, so a
mistyped one is a usage error, not a database error."""

from __future__ import annotations

import click

from mailroom.kit.bounds import MAX_BIGINT

ID = click.IntRange(1, MAX_BIGINT)
