"""A process keeps its replica connection open between units of work, and lets go of it when
idle, when another process asks for the file, or when the file was replaced."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailroom.replica import store

OTHER_PROCESS = """
import sys, time
from pathlib import Path
from mailroom.replica import store
started = time.monotonic()
with store.connect(Path(sys.argv[1]), wait_s=20) as duck:
    duck.execute("INSERT INTO state VALUES ('other', 1)")
print(round(time.monotonic() - started, 3))
"""


@pytest.fixture
def path(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "replica.duckdb"
    yield target
    store.release(target)


def test_a_second_unit_of_work_reuses_the_open_connection(path: Path) -> None:
    with store.connect(path) as first:
        first.execute("INSERT INTO state VALUES ('a', 1)")
    with store.connect(path) as second:
        assert second is first
        assert store.get(second, "a") == 1


def test_an_idle_connection_is_closed_after_keep_open(path: Path) -> None:
    with store.connect(path) as first:
        pass
    now = time.monotonic()
    assert store.reap(now) >= 1  # used just now: kept
    assert store.reap(now + store.KEEP_OPEN_S + 1) == 0
    with store.connect(path) as second:
        assert second is not first


def test_a_failed_unit_of_work_closes_its_connection(path: Path) -> None:
    with pytest.raises(RuntimeError), store.connect(path) as first:
        first.execute("BEGIN")
        raise RuntimeError("boom")
    with store.connect(path) as second:
        assert second is not first
        assert store.get(second, "version") == 0  # usable, no transaction left open


def test_a_replaced_file_is_opened_again(path: Path, tmp_path: Path) -> None:
    with store.connect(path) as first:
        store.put(first, "old", 1)
    fresh = tmp_path / "fresh.duckdb"
    with store.connect(fresh) as other:
        store.put(other, "new", 2)
    store.release(fresh)
    store.release(path)  # a swap lets go of both, as `replica.service` does
    os.replace(fresh, path)
    with store.connect(path) as second:
        assert store.get(second, "new") == 2 and store.get(second, "old") == 0


def test_another_process_gets_the_file_this_one_holds(path: Path) -> None:
    with store.connect(path) as duck:
        store.put(duck, "mine", 1)
    # This process keeps the file open; the other asks for it and this one's reaper lets go.
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 10
    with store.connect(path) as duck:
        assert store.get(duck, "other") == 1 and store.get(duck, "mine") == 1
