"""`mailroom serve`: uvicorn's access log is on unless --no-access-log (as benchmarks run it);
links in mail point at the server unless MAILROOM_PUBLIC_URL is set."""

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
    monkeypatch.setenv("MAILROOM_PUBLIC_URL", "http://127.0.0.1:8000")  # serve sets none then
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(cli, ["serve", "--port", "8123", *flags])
    assert result.exit_code == 0, result.output
    assert calls[0]["access_log"] is access_log and calls[0]["log_level"] == level
    assert calls[0]["port"] == 8123


@pytest.mark.parametrize(
    ("host", "configured", "expected"),
    [
        ("127.0.0.1", None, "http://127.0.0.1:8123"),
        ("0.0.0.0", None, "http://127.0.0.1:8123"),
        ("::1", None, "http://[::1]:8123"),
        ("0.0.0.0", "https://mail.example.com", "https://mail.example.com"),
    ],
)
def test_links_point_at_the_server_unless_a_public_url_is_set(
    ctx: Context,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    configured: str | None,
    expected: str,
) -> None:

    import uvicorn

    from mailroom.config import Settings

    monkeypatch.setenv("MAILROOM_DATABASE_URL", ctx.settings.database_url)
    monkeypatch.setenv("MAILROOM_PUBLIC_URL", configured or "")  # restored after the test
    if configured is None:
        monkeypatch.delenv("MAILROOM_PUBLIC_URL")
    seen: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.append(Settings.from_env().public_url))
    result = CliRunner().invoke(cli, ["serve", "--host", host, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen == [expected]
