"""Every request example in README.md and docs/ runs word for word against the quick-start demo.

Each page's shell blocks that call the server (`curl ... http://127.0.0.1:8000`), or that are
marked `<!-- runs against the quick-start demo -->`, run in order with bash against a fresh demo
database (`mailroom demo`, as scripts/quickstart loads it) served on a free port. A call that
answers an HTTP error, or reports rejected/failed items or Ongage's `"error": true`, fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mailroom.context import Context
from mailroom.demo.command import run as load_demo
from mailroom.demo.service import DemoSpec

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
QUICKSTART_URL = "http://127.0.0.1:8000"
MARK = "<!-- runs against the quick-start demo -->"
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```(?:sh|bash)\n(?P<code>.*?)\n```", re.DOTALL)
BAD_ANSWER = re.compile(r'"(?:rejected|failed)"\s*:\s*[1-9]|"error"\s*:\s*true')
# Any HTTP error fails the example's block (curl exits 22); its body is still printed.
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n'


def runnable_blocks(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [
        m["code"]
        for m in BLOCK.finditer(text)
        if QUICKSTART_URL in m["code"] or m["before"].strip() == MARK
    ]


def test_request_examples_are_found_where_expected() -> None:
    """Guards the extraction itself: the pages that show calls do yield blocks to run."""
    counts = {p.name: len(runnable_blocks(p)) for p in PAGES}
    assert counts["README.md"] >= 2 and counts["ongage.md"] >= 3 and counts["activity.md"] >= 2
    assert counts["criteria.md"] >= 1
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            if "curl " in m["code"]:
                assert QUICKSTART_URL in m["code"], (page.name, m["code"][:80])


@pytest.mark.parametrize("page", [p for p in PAGES if runnable_blocks(p)], ids=lambda p: p.name)
def test_page_examples_run_against_the_demo(
    page: Path, ctx: Context, live_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("curl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("curl is not installed")
        pytest.skip("curl is not installed")
    load_demo(ctx, DemoSpec(), progress=False)  # what scripts/quickstart loads
    # The examples call `.venv/bin/mailroom` from the checkout: the same tools, from tmp_path.
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    env = {
        **os.environ,
        "MAILROOM_DATABASE_URL": ctx.settings.database_url,
        "MAILROOM_SECRET_KEY": ctx.settings.secret_key,
        "MAILROOM_PUBLIC_URL": ctx.settings.public_url,
    }
    for number, code in enumerate(runnable_blocks(page), 1):
        script = PRELUDE + code.replace(QUICKSTART_URL, live_url)
        done = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        where = (
            f"{page.name}, block {number}:\n{code}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
        assert done.returncode == 0, where
        assert not BAD_ANSWER.search(done.stdout), where
