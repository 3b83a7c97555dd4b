"""Settings read from the environment (MAILROOM_*), with defaults for the embedded setup."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

FALSE = ("0", "false", "no", "off")


def _default_database_url() -> str:
    return f"sqlite:///{Path('mailroom.db').resolve()}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    secret_key: str = ""  # empty: generated on first start and kept in the database
    old_secret_keys: tuple[str, ...] = ()  # still verify tracking links during a rotation
    secret_grace_days: int = 30  # how long a key retired by `mailroom secret rotate` verifies
    public_url: str = "http://127.0.0.1:8000"
    rate_limit_per_minute: int = 300
    rate_limit_in_flight: int = 10
    change_email_window_s: int = 887
    bulk_max_items: int = 10_000
    max_body_bytes: int = 64 * 1024 * 1024
    retention_days: int = 0  # 0 keeps raw events forever
    auth_cache_s: int = 60
    # Where windowed reports run: "replica" (the DuckDB copy of the events) or "main".
    analytics: str = "replica"
    # The DuckDB file; empty = beside a SQLite database, else ./mailroom-replica.duckdb.
    replica_path: str = ""
    # Sending: how long a worker's claim on a send lasts, what happens to a send whose sender
    # died while handing it over ("skip": at most once; "retry": at least once), and how far
    # back the automation scheduler catches up after downtime.
    send_lease_s: int = 300
    send_unknown: str = "skip"
    send_lanes: int = 8  # SMTP sessions per connection handing messages over in parallel
    automation_grace_s: int = 86_400
    automation_chunk: int = 10_000  # contact ids per claiming statement of a run
    inprocess_worker: bool = True  # `mailroom serve` runs jobs itself unless turned off
    session_idle_s: int = 1800  # a web session ends after this long without a call
    session_remember_s: int = 1_209_600  # ... or this long when signed in with remember-me
    login_failures_allowed: int = 5  # wrong passwords per user and address per window
    login_failure_window_s: int = 900

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
        if "MAILROOM_OLD_SECRET_KEYS" in env:
            values["old_secret_keys"] = tuple(
                k.strip() for k in env["MAILROOM_OLD_SECRET_KEYS"].split(",") if k.strip()
            )
        if "MAILROOM_SEND_UNKNOWN" in env:
            values["send_unknown"] = env["MAILROOM_SEND_UNKNOWN"]
        if "MAILROOM_PUBLIC_URL" in env:
            values["public_url"] = env["MAILROOM_PUBLIC_URL"]
        if "MAILROOM_INPROCESS_WORKER" in env:
            values["inprocess_worker"] = env["MAILROOM_INPROCESS_WORKER"].lower() not in FALSE
        for name in (
            "rate_limit_per_minute",
            "rate_limit_in_flight",
            "change_email_window_s",
            "bulk_max_items",
            "max_body_bytes",
            "retention_days",
            "auth_cache_s",
            "send_lease_s",
            "send_lanes",
            "automation_grace_s",
            "automation_chunk",
            "session_idle_s",
            "session_remember_s",
            "login_failures_allowed",
            "login_failure_window_s",
            "secret_grace_days",
        ):
            key = "MAILROOM_" + name.upper()
            if key in env:
                values[name] = int(env[key])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
