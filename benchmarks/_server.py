"""Shared benchmark plumbing: a real `mailroom serve` subprocess and a keep-alive HTTP load.

Not a benchmark itself. Use it from a benchmark script in this folder:

    from _server import Request, Server, run_load

    with Server("sqlite:////tmp/x.db", env={"MAILROOM_RATE_LIMIT_PER_MINUTE": "0"}) as server:
        result = run_load(server.port, [Request("GET", "/mailroom/health")] * 1000, concurrency=8)
        print(result.summary())

`Server` starts `python -m mailroom serve` on a free loopback port against the given database
URL (migrating it), waits for `/mailroom/health`, and stops the process it started on exit.
`run_load` sends the requests over `concurrency` persistent HTTP/1.1 connections (a small
asyncio client in the calling process), each connection sending its share one after another,
and reports requests/s and client-side latency percentiles.

With several workers, the kernel hands each new connection to whichever worker accepts first:
two connections often land on one worker, and a run then measures one process (one GIL) while
the other idles. Given the `Server`, `run_load` spreads its connections over the workers as a
load balancer would: it finds which worker holds each accepted connection (Linux /proc) and
reconnects the surplus on a crowded worker until every worker has its share.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`mailroom serve` in a subprocess, for the duration of a `with` block."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        startup_s: float = 60,
    ) -> None:
        self.database_url = database_url
        self.workers = workers
        self.env = env or {}
        self.startup_s = startup_s
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "MAILROOM_DATABASE_URL": self.database_url,
            "PYTHONPATH": str(ROOT / "src"),
            **self.env,
        }
        cmd = [sys.executable, "-m", "mailroom", "serve", "--port", str(self.port)]
        cmd += ["--no-access-log"]  # a log line per request would be measured too
        cmd += ["--workers", str(self.workers)]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"server exited during startup:\n{err}")
            try:
                with urllib.request.urlopen(f"{self.url}/mailroom/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {self.startup_s} s")

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) used so far by the server and its worker processes.

        Linux only (/proc); None elsewhere. Divided by requests it gives the server's cost
        per request, which stays meaningful when other programs share the machine.
        """
        if self.proc is None or not Path("/proc").is_dir():
            return None
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self._family():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def _family(self) -> set[int]:
        """The server's process and its descendants (the workers), by pid (Linux /proc)."""
        if self.proc is None:
            return set()
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry.name)] = int(fields[1])
        family = {self.proc.pid}
        grew = True
        while grew:
            grew = False
            for pid, parent in parents.items():
                if pid not in family and parent in family:
                    family.add(pid)
                    grew = True
        return family

    def holder(self, client_port: int) -> int | None:
        """The pid of the server process that accepted the client's connection from
        `client_port`, or None if none has accepted it yet (or without Linux /proc)."""
        local = f"0100007F:{self.port:04X}"
        remote = f"0100007F:{client_port:04X}"
        try:
            lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
        except OSError:
            return None
        inode = next(
            (f[9] for f in (line.split() for line in lines) if f[1] == local and f[2] == remote),
            None,
        )
        if inode is None or inode == "0":
            return None
        target = f"socket:[{inode}]"
        for pid in self._family():
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd) == target:
                        return pid
                except OSError:
                    continue
        return None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def encode(self) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body is not None:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (self.body or b"")


Check = Callable[[int, bytes], bool]


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    statuses: Counter[int] = field(default_factory=Counter)
    failed_checks: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def summary(self) -> str:
        return (
            f"{self.requests:,} requests in {self.seconds:.2f} s = {self.per_second:,.0f} req/s;"
            f" p50 {self.percentile_ms(0.50):.1f} ms, p90 {self.percentile_ms(0.90):.1f} ms,"
            f" p99 {self.percentile_ms(0.99):.1f} ms, max {self.percentile_ms(1.0):.1f} ms;"
            f" statuses {dict(self.statuses)}"
            + (f"; {self.failed_checks} failed checks" if self.failed_checks else "")
        )


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open(port: int, count: int, server: Server | None) -> list[Stream]:
    """`count` connections; spread over the server's workers when `server` is given."""
    streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(count)]
    if server is None or server.workers < 2 or count < 2:
        return streams
    share = -(-count // server.workers)  # at most this many per worker
    for _ in range(50):
        holders = [await _holder(server, w) for _, w in streams]
        if None in holders:
            return streams  # cannot tell (no /proc): keep what the kernel chose
        crowded = [i for i, pid in enumerate(holders) if holders[: i + 1].count(pid) > share]
        if not crowded:
            return streams
        for i in crowded:
            streams[i][1].close()
            streams[i] = await asyncio.open_connection("127.0.0.1", port)
    return streams


async def _holder(server: Server, writer: asyncio.StreamWriter) -> int | None:
    port = writer.get_extra_info("sockname")[1]
    for _ in range(100):  # a worker accepts within moments
        pid = server.holder(port)
        if pid is not None:
            return pid
        await asyncio.sleep(0.01)
    return None


async def _connection(
    stream: Stream, requests: Sequence[Request], result: LoadResult, check: Check | None
) -> None:
    reader, writer = stream
    try:
        for request in requests:
            raw = request.encode()
            started = time.perf_counter()
            writer.write(raw)
            status, body = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] += 1
            if check is not None and not check(status, body):
                result.failed_checks += 1
    finally:
        writer.close()


def run_load(
    port: int,
    requests: Sequence[Request],
    concurrency: int = 1,
    check: Check | None = None,
    *,
    server: Server | None = None,
) -> LoadResult:
    """Send `requests` over `concurrency` keep-alive connections; time and check each answer.

    With `server`, the connections are spread over its workers first (see the module's note);
    the timing starts once they are open.
    """
    result = LoadResult()
    shares = [s for s in (requests[i::concurrency] for i in range(concurrency)) if s]

    async def main() -> None:
        streams = await _open(port, len(shares), server)
        started = time.perf_counter()
        await asyncio.gather(
            *(_connection(st, s, result, check) for st, s in zip(streams, shares, strict=True))
        )
        result.seconds = time.perf_counter() - started

    asyncio.run(main())
    return result


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database `url` names when it does not exist (SQLite needs nothing).

    Benchmarks reset their database before they run; a first run on a new machine then finds
    none, so it is created here, through the server's `postgres` maintenance database.
    """
    if not url.startswith("postgres"):
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from mailroom.db.engine import normalise_url

    target = make_url(normalise_url(url))
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if found is None:
                quoted = str(target.database).replace('"', '""')
                conn.execute(text(f'CREATE DATABASE "{quoted}"'))
                print(f"created database {target.database}", file=sys.stderr)
    finally:
        engine.dispose()
