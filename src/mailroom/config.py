"""Settings read from the environment (MAILROOM_*), with defaults for the embedded setup."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_database_url() -> str:
    return f"sqlite:///{Path('mailroom.db').resolve()}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    secret_key: str = "change-me-in-production"
    public_url: str = "http://127.0.0.1:8000"
    rate_limit_per_minute: int = 300
    rate_limit_in_flight: int = 10
    change_email_window_s: int = 887
    bulk_max_items: int = 10_000
    retention_days: int = 0  # 0 keeps raw events forever
    auth_cache_s: int = 60
    # Where windowed reports run: "replica" (the DuckDB copy of the events) or "main".
    analytics: str = "replica"
    # The DuckDB file; empty = beside a SQLite database, else ./mailroom-replica.duckdb.
    replica_path: str = ""

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {}
        if "MAILROOM_DATABASE_URL" in env:
            values["database_url"] = env["MAILROOM_DATABASE_URL"]
        if "MAILROOM_SECRET_KEY" in env:
            values["secret_key"] = env["MAILROOM_SECRET_KEY"]
        if "MAILROOM_ANALYTICS" in env:
            values["analytics"] = env["MAILROOM_ANALYTICS"]
        if "MAILROOM_REPLICA_PATH" in env:
            values["replica_path"] = env["MAILROOM_REPLICA_PATH"]
        if "MAILROOM_PUBLIC_URL" in env:
            values["public_url"] = env["MAILROOM_PUBLIC_URL"]
        for name in (
            "rate_limit_per_minute",
            "rate_limit_in_flight",
            "change_email_window_s",
            "bulk_max_items",
            "retention_days",
            "auth_cache_s",
        ):
            key = "MAILROOM_" + name.upper()
            if key in env:
                values[name] = int(env[key])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
