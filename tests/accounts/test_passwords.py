"""Password hashing: strong argon2 cost in production, the cheap one only where tests ask for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from argon2 import extract_parameters

from mailroom.accounts import passwords

_PRINT_PARAMS = (
    "import json; from argon2 import extract_parameters;"
    "from mailroom.accounts.passwords import hash_password;"
    "p = extract_parameters(hash_password('s3cret'));"
    "print(json.dumps([p.time_cost, p.memory_cost, p.parallelism]))"
)


def _params_in_fresh_process(env: dict[str, str]) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", _PRINT_PARAMS], env=env, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout))


def test_production_settings_keep_the_strong_cost() -> None:
    env = {k: v for k, v in os.environ.items() if k != passwords.CHEAP_ENV}
    time_cost, memory_cost, parallelism = _params_in_fresh_process(env)
    # RFC 9106's low-memory profile, argon2-cffi's default.
    assert (time_cost, memory_cost, parallelism) == (3, 65536, 4)


def test_the_suite_runs_with_the_cheap_cost() -> None:
    params = extract_parameters(passwords.hash_password("s3cret"))
    assert (params.time_cost, params.memory_cost) == (1, 8)


def test_either_cost_verifies_the_others_hashes() -> None:
    env = {k: v for k, v in os.environ.items() if k != passwords.CHEAP_ENV}
    strong = subprocess.run(
        [
            sys.executable,
            "-c",
            "from mailroom.accounts.passwords import hash_password;print(hash_password('s3cret'))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert passwords.verify_password(strong, "s3cret")
    assert not passwords.verify_password(strong, "wrong")
