"""Fuzz the whole OpenAPI of a real server with schemathesis; fail on any 5xx.

Starts `mailroom serve` on a fresh database (SQLite in a temporary folder, or PostgreSQL),
creates an account with a few contacts, lists and fields, and runs schemathesis against
`/openapi.json` with the account's Ongage headers and bearer token, for `--max-time` seconds.
The only check is `not_a_server_error`: every generated request, valid or not, must get an
answer below 500. Prints the number of test cases and the server errors found (must be 0).
Rate limits are off on this server: a 429 would only stop the fuzzer from reaching handlers.

    .venv/bin/python scripts/fuzz_api.py --backend sqlite --max-time 120
    .venv/bin/python scripts/fuzz_api.py --backend postgresql --pg-url postgresql://...
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
os.environ["MAILROOM_CHEAP_PASSWORD_HASHES"] = "1"

from mailroom.accounts import service as accounts_service  # noqa: E402
from mailroom.db.engine import make_engine  # noqa: E402
from mailroom.db.migrate import upgrade  # noqa: E402
from mailroom.kit.clock import SystemClock  # noqa: E402

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_test"


def _fresh_database(backend: str, pg_url: str, folder: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'fuzz.db'}"
    else:
        url = pg_url
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(base: str, headers: dict[str, str]) -> None:
    """Objects for the fuzzer's requests to find: contacts, a second list, fields."""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        client.post("/api/lists", json={"name": "second"}).raise_for_status()
        client.post("/api/list_fields", json={"name": "city", "type": "string"})
        client.post(
            "/api/list_fields", json={"name": "born", "type": "date", "format": "yyyy-mm-dd"}
        )
        contacts = [{"email": f"fuzz{n}@example.com", "city": "Town"} for n in range(5)]
        client.post("/api/contacts", json=contacts).raise_for_status()


def run(backend: str, pg_url: str, max_time: int, workers: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="mailroom-fuzz-"))
    url = _fresh_database(backend, pg_url, folder)
    engine = make_engine(url)
    with engine.begin() as conn:
        account = accounts_service.create_account(conn, SystemClock(), "Fuzz", password="fuzz-pw")
    engine.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MAILROOM_DATABASE_URL": url,
        "MAILROOM_SECRET_KEY": "a-secret-for-the-fuzzer-only",
        "MAILROOM_RATE_LIMIT_PER_MINUTE": "0",
        "MAILROOM_RATE_LIMIT_IN_FLIGHT": "0",
    }
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "mailroom", "serve", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    headers = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
        "Authorization": f"Bearer {account.token}",
    }
    try:
        _wait_up(base, server)
        _seed(base, headers)
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{base}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-time",
            str(max_time),
            "--workers",
            str(workers),
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "60",
            "--max-redirects",
            "0",
            "--no-color",
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        # In the temporary folder: schemathesis keeps a cache where it runs.
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    output = done.stdout + done.stderr
    summary = [
        line[:300]
        for line in output.splitlines()
        if re.search(r"test cases|passed|failed", line, re.I)
    ]
    server_log = (folder / "server.log").read_text(errors="replace")
    tracebacks = server_log.count("Traceback")
    print(f"== fuzz {backend}: {max_time} s")
    print("\n".join(summary[-6:]))
    if os.environ.get("FUZZ_VERBOSE"):
        print(output)
    print(f"server tracebacks: {tracebacks}")
    # Judged on schemathesis' closing summary only: its own runtime errors can dump source text.
    closing = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output
    failed = re.search(r"\b[1-9]\d* (failed|unique failures?)\b|Server error", closing) is not None
    if failed or tracebacks:
        print(output[-6000:])
        print("\n".join(_tracebacks(server_log))[-12000:])
        return 1
    if done.returncode != 0:
        # Every case passed and the server logged nothing: what stopped schemathesis was its
        # own trouble (a schema it could not generate for, its time limit mid-phase), not ours.
        print("schemathesis ended with errors of its own (no failed case, no server traceback):")
        print(output[output.find("Errors:") :][:1500] if "Errors:" in output else output[-1500:])
    return 0


def _tracebacks(server_log: str) -> list[str]:
    """Each traceback of the server's log with the line before it (what logged it); the access
    log's request lines around them are left out."""
    lines = server_log.splitlines()
    found: list[str] = []
    for i, line in enumerate(lines):
        if not line.startswith("Traceback"):
            continue
        end = i + 1
        while end < len(lines) and (lines[end][:1].isspace() or not lines[end].strip()):
            end += 1
        found += [lines[i - 1] if i else "", *lines[i : end + 1], ""]
    return found


def _wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited before answering")
        try:
            if httpx.get(f"{base}/mailroom/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("MAILROOM_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--max-time", type=int, default=120, help="seconds of fuzzing")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sys.exit(run(args.backend, args.pg_url, args.max_time, args.workers))


if __name__ == "__main__":
    main()
