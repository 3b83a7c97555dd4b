"""`mailroom demo`: load the demo account with a progress bar and summarise it."""

from __future__ import annotations

import sys
from typing import Any

from mailroom.context import Context
from mailroom.demo.service import DemoSpec, load_demo


def run(ctx: Context, spec: DemoSpec, *, progress: bool) -> dict[str, Any]:
    """Load the demo (or find it) and return its credentials and counts."""
    from tqdm import tqdm

    with tqdm(
        total=spec.contacts,
        unit=" contacts",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    ) as bar:
        events = 0

        def advance(contacts: int, new_events: int) -> None:
            nonlocal events
            events += new_events
            bar.update(contacts)
            bar.set_postfix(events=f"{events:,}", refresh=False)

        result = load_demo(ctx, spec, advance)
    return result.summary()
