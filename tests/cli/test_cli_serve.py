"""`mailroom serve`: uvicorn's access log is on unless --no-access-log (as benchmarks run it)."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from mailroom.cli.main import cli
from mailroom.context import Context


@pytest.mark.parametrize(
    ("flags", "access_log", "level"),
    [([], True, "info"), (["--no-access-log"], False, "warning")],
)
def test_access_log_is_on_by_default(
    ctx: Context,
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    access_log: bool,
    level: str,
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(cli, ["serve", "--port", "8123", *flags])
    assert result.exit_code == 0, result.output
    assert calls[0]["access_log"] is access_log and calls[0]["log_level"] == level
    assert calls[0]["port"] == 8123
