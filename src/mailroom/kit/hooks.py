"""In-transaction hooks: a lower package names a moment, upper packages add their work to it.

A package that upper ones must react to declares its `Hook`s (a contact is deleted, a status
changes, an account is created) and calls them inside the caller's transaction; an upper
package registers its reactions in its own ``reactions.py``, so the import goes downwards
only. `WIRING` imports every ``reactions.py``; the first call of any hook imports it, so the
reactions run whoever made the call (server, worker, CLI, a script). Reactions run in the order
registered, on the caller's connection: one that raises rolls the whole change back.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

WIRING = "mailroom.wiring"  # the module that imports every package's reactions

_wired = False
_lock = threading.Lock()


def wire() -> None:
    """Import every registration once (a no-op after the first call)."""
    global _wired
    if not _wired:
        with _lock:
            if not _wired:
                importlib.import_module(WIRING)
                _wired = True


class Hook(Generic[P]):
    """A moment upper packages react to: every registered reaction runs, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reactions: list[Callable[P, None]] = []

    def register(self, fn: Callable[P, None]) -> Callable[P, None]:
        if fn not in self.reactions:
            self.reactions.append(fn)
        return fn

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        wire()
        for fn in self.reactions:
            fn(*args, **kwargs)


class Provider(Generic[P, R]):
    """A value a lower package needs from an upper one: exactly one registered function."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fn: Callable[P, R] | None = None

    def register(self, fn: Callable[P, R]) -> Callable[P, R]:
        if self.fn is not None and self.fn is not fn:
            raise RuntimeError(f"{self.name} is provided twice")
        self.fn = fn
        return fn

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        wire()
        if self.fn is None:
            raise RuntimeError(f"nothing provides {self.name}: register it in a reactions.py")
        return self.fn(*args, **kwargs)
