"""Say in one word why PostgreSQL at a URL can or cannot run the tests (used by scripts/test).

Prints `ok`, `not-running`, `auth-failed`, `database-missing` or `no-driver`, then a tab and
the server's own message; exits 0 only for `ok`.
"""

from __future__ import annotations

import sys


def state(url: str) -> tuple[str, str]:
    try:
        import psycopg
    except ImportError as exc:
        return "no-driver", str(exc)
    try:
        psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        text = " ".join(str(exc).split())
        lowered = text.lower()
        if "database" in lowered and "does not exist" in lowered:
            return "database-missing", text
        if "authentication failed" in lowered or "no password" in lowered or "role" in lowered:
            return "auth-failed", text
        return "not-running", text
    return "ok", ""


if __name__ == "__main__":
    word, message = state(sys.argv[1])
    print(f"{word}\t{message}")
    sys.exit(0 if word == "ok" else 1)
