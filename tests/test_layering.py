"""The one-way order of mailroom's packages, checked over the import graph of src/mailroom.

Every module is parsed (no import runs) and mapped to its unit: the top-level package or
module under `mailroom` (`contacts`, `app`), or one dialect (`dialects.ongage`). A unit may
import only units on lower levels of `ORDER`; units on one level are independent of each other.
Dialects never import `db`: they call domain services. The order and its reasons are in
docs/architecture.md; a new package gets its place in `ORDER` (and in that document).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "mailroom"

# Lowest first. A name may appear before its package exists (the domains being built next).
ORDER: list[tuple[str, ...]] = [
    ("__init__",),  # the package's version
    ("kit",),  # domain-free helpers
    ("errors", "config"),
    ("db",),  # schema, engines, backend-specific SQL forms
    ("context",),
    ("jobs", "keys"),  # the job queue and worker loop; the keys that sign links
    ("accounts",),
    ("sessions",),
    ("fields",),
    ("lists",),
    ("mailings",),
    ("contacts",),
    ("activity",),
    ("esp",),
    ("tracking", "webhooks", "replica"),
    ("criteria",),
    ("segments",),
    ("reports", "charts"),
    ("messages",),
    ("automation",),
    ("sending",),
    ("imports", "demo"),
    ("web",),  # HTTP plumbing shared by the dialects
    ("dialects", "console", "tellody"),  # each `dialects.<name>` is a unit of this level
    ("background", "wiring"),  # what loads every domain's jobs and hook reactions
    ("app", "cli"),
    ("__main__",),
]
LEVEL = {name: level for level, names in enumerate(ORDER) for name in names}
NO_STORAGE = ("dialects", "console", "tellody")  # HTTP surfaces: they never import db


def unit_of(parts: list[str]) -> str:
    """`dialects/ongage/hot.py` -> "dialects.ongage"; `contacts/service.py` -> "contacts"."""
    if not parts:
        return "__init__"
    if parts[0] == "dialects" and len(parts) > 1:
        return f"dialects.{parts[1]}"
    return parts[0]


def level_of(unit: str) -> int | None:
    return LEVEL.get(unit.split(".")[0])


def modules() -> Iterator[tuple[list[str], Path]]:
    """(dotted parts under mailroom, file) for every module but the migrations."""
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[:2] == ["db", "migrations"]:
            continue
        yield (parts[:-1] if parts[-1] == "__init__" else parts), path


def is_module(parts: list[str]) -> bool:
    """Whether `mailroom.<parts>` is a module or package (else a name in mailroom/__init__)."""
    path = SRC.joinpath(*parts) if parts else SRC
    return path.is_dir() or path.with_suffix(".py").exists()


def imported(parts: list[str], path: Path) -> Iterator[tuple[list[str], int]]:
    """(dotted parts under mailroom, line) of every mailroom module or name the file imports."""
    package = parts if path.name == "__init__.py" else parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names = alias.name.split(".")
                if names[0] == "mailroom":
                    yield names[1:], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package[: len(package) - node.level + 1]
                module = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "mailroom":
                module = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:  # `from mailroom import contacts` imports a package
                yield (module if module else [alias.name]), node.lineno


def edges() -> dict[tuple[str, str], str]:
    """(importer unit, imported unit) -> where it first happens."""
    found: dict[tuple[str, str], str] = {}
    for parts, path in modules():
        source = unit_of(parts)
        for target_parts, line in imported(parts, path):
            target = unit_of(target_parts) if is_module(target_parts[:1]) else "__init__"
            if target != source:
                found.setdefault((source, target), f"{path.relative_to(SRC.parent)}:{line}")
    return found


def violations() -> dict[tuple[str, str], str]:
    """Every import that goes up, sideways between independent units, or from a dialect to db."""
    bad: dict[tuple[str, str], str] = {}
    for (source, target), where in edges().items():
        low, high = level_of(target), level_of(source)
        if low is None or high is None:
            continue  # reported by the test of unknown units
        if low >= high or (source.split(".")[0] in NO_STORAGE and target == "db"):
            bad[(source, target)] = where
    return bad


def test_every_unit_has_a_place_in_the_order() -> None:
    units = {unit_of(parts) for parts, _ in modules()}
    unknown = sorted(u for u in units if level_of(u) is None)
    assert not unknown, (
        f"{', '.join(unknown)}: not in the package order. Add each to ORDER in "
        "tests/test_layering.py (and to the order in docs/architecture.md) at the level of "
        "what it may import: above every package it imports, below every package that imports it."
    )


def test_imports_only_go_down() -> None:
    bad = violations()
    lines = [
        f"{where}: {source} (level {level_of(source)}) imports {target} (level {level_of(target)})"
        for (source, target), where in sorted(bad.items())
    ]
    assert not lines, (
        "imports against the package order (tests/test_layering.py ORDER, "
        "docs/architecture.md): a package imports only packages on lower levels, never one of "
        "its own level, and dialects never import db. Move the shared piece down, or let the "
        "upper package register a hook or a job.\n" + "\n".join(lines)
    )
