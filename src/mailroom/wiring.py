"""Every package's hook reactions, imported on the first call of any hook (`kit.hooks`).

Add a line when a package gets a ``reactions.py``.
"""

from __future__ import annotations

import mailroom.activity.reactions
import mailroom.contacts.reactions
import mailroom.lists.reactions  # noqa: F401
