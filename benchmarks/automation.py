"""Benchmark: automation's due sets, SMTP sending throughput and a send-now mailing, end to end.

Prints, for one backend:

1. the due set of a date-field (birthday) event over N contacts: the engine's own
   INSERT ... SELECT of claims for one occasion (about N/365 contacts due), and the SELECT
   alone (target <= 1 s for 1,000,000 contacts);
2. the due set of a not-opened follow-up after an N-recipient mailing (90% did not open): one
   SELECT counting the whole set (the baseline: the former single statement), the same set as
   the engine walks it in chunks of `--chunk` contact ids (first chunk, all chunks), and the
   engine's run itself (each chunk an INSERT ... SELECT committed on its own: when the first
   claims are committed, when the last), with the CPU time of this process and of the
   PostgreSQL backends serving the database (read from /proc); `--one-statement` also times
   the former claim of the whole set in one INSERT ... SELECT (target <= 1 s for the
   computation);
3. sending throughput to a local SMTP sink (Postfix's `smtp-sink` when installed, `apt-get
   install postfix`, else aiosmtpd in another process; both discard what they receive, and
   share the machine's cores with this process and PostgreSQL): messages/s of one delivering
   process (its lanes: parallel SMTP sessions), each message rendered, tracked, marked before
   the hand-over and recorded as an `em_sends` event, with the CPU per message of this process
   and of PostgreSQL (target >= 1,000/s); `--daily-quota N` gives the sink's connection a
   daily quota (set it above the messages sent), so the run also pays for the quota counters;
4. a mailing to M recipients from send-now (the API's create + the start job) to every send
   recorded as activity, by one delivering process.

    .venv/bin/python benchmarks/automation.py --backend postgresql
    .venv/bin/python benchmarks/automation.py --backend sqlite --contacts 100000 --mailing 10000
    .venv/bin/python benchmarks/automation.py --backend sqlite --due-only
    .venv/bin/python benchmarks/automation.py --help

The PostgreSQL database (default mailroom_bench_automation; `su postgres -c "createdb
mailroom_bench_automation"`) must exist; its `public` schema is dropped and recreated.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text

from mailroom.accounts import service as accounts_service
from mailroom.automation import audience, due, engine
from mailroom.automation import service as events_service
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db import backend
from mailroom.db.database import Database
from mailroom.db.engine import make_engine
from mailroom.db.migrate import upgrade
from mailroom.db.tables import contact_mailing_totals, contacts, events, sends
from mailroom.esp import service as esp_service
from mailroom.fields import service as fields_service
from mailroom.kit.clock import FrozenClock
from mailroom.mailings import service as mailings_service
from mailroom.messages import service as messages_service
from mailroom.segments import service as segments_service
from mailroom.sending import campaigns, deliver

DEFAULT_PG = "postgresql://postgres:postgres@127.0.0.1:5432/mailroom_bench_automation"
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SMTP_SINK = "/usr/sbin/smtp-sink"
HTML = (
    "<html><body><p>Hi {{first_name:there}}</p>"
    '<a href="https://example.com/a">a</a> <a href="https://example.com/b">b</a></body></html>'
)
EVERYONE = [{"field_name": "email", "type": "email", "operator": "notempty", "operand": []}]


def sink(port: int, ready: Any) -> None:
    """An SMTP server that accepts and discards every message (run in its own process)."""
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def start_sink(port: int) -> Any:
    """Postfix's smtp-sink (C, fast) if installed, else aiosmtpd in a process; its stopper."""
    if Path(SMTP_SINK).exists():
        proc = subprocess.Popen(
            [SMTP_SINK, "-u", "nobody", f"127.0.0.1:{port}", "256"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        print("sink: postfix smtp-sink")
        return proc.terminate
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=sink, args=(port, ready), daemon=True)
    server.start()
    ready.wait(10)
    print("sink: aiosmtpd (slow: install postfix for smtp-sink)")
    return server.terminate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh(url: str) -> None:
    if url.startswith("postgresql"):
        engine_ = make_engine(url)
        with engine_.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine_.dispose()
    upgrade(url)


def load_contacts(ctx: Context, account: Any, count: int, first_id: int) -> None:
    rnd = random.Random(7)
    base = date(1950, 1, 1)
    now_s = START_MS // 1000

    def rows() -> Any:
        for i in range(count):
            born = base + timedelta(days=rnd.randrange(0, 365 * 55))
            fields = f'{{"first_name": "P{i}", "birth_date": "{born.isoformat()}"}}'
            yield (
                first_id + i,
                f"{first_id + i:024x}",
                account.account_id,
                account.default_list_id,
                f"p{first_id + i}@bench{i % 50}.test",
                "active",
                fields,
                now_s,
                now_s,
            )

    columns = (
        "id",
        "uid",
        "account_id",
        "list_id",
        "email",
        "status",
        "fields",
        "created",
        "modified",
    )
    with ctx.db.write() as conn:
        backend.bulk_load(conn, contacts, columns, rows())
        backend.advance_id_sequence(conn, contacts)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE contacts"))


def setup(
    ctx: Context, count: int, port: int, daily_quota: int | None = None
) -> tuple[Any, int, int, int]:
    with ctx.db.write() as conn:
        account = accounts_service.create_account(conn, ctx.clock, "Bench", password="pw")
        for position, (name, kind) in enumerate(
            (("first_name", "string"), ("birth_date", "date")), 2
        ):
            fields_service.create_field(
                conn,
                ctx.clock,
                account.account_id,
                account.default_list_id,
                {
                    "name": name,
                    "title": name,
                    "type": kind,
                    "format": "yyyy-mm-dd" if kind == "date" else "",
                    "position": position,
                },
            )
    load_contacts(ctx, account, count, 1)
    with ctx.db.write() as conn:
        segment = segments_service.create_segment(
            conn,
            ctx.clock,
            account.account_id,
            account.default_list_id,
            {"name": "All", "criteria": EVERYONE},
        ).id
        connection = esp_service.create_connection(
            conn,
            ctx.clock,
            account.account_id,
            {
                "esp_id": 59,
                "name": "Sink",
                "host": "127.0.0.1",
                "port": port,
                "from_address": "news@bench.test",
                **({} if daily_quota is None else {"daily_quota": daily_quota}),
            },
        ).id
        message = messages_service.create_message(
            conn,
            ctx.clock,
            account.account_id,
            account.default_list_id,
            {
                "name": "Bench",
                "subject": "Hello {{first_name:friend}}",
                "content_html": HTML,
                "content_text": "Hi {{first_name:there}}",
            },
        ).id
    return account, int(segment), int(connection), int(message)


def timed(fn: Any, runs: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def claim_and_undo(ctx: Context, query: Any) -> tuple[int, float]:
    """Claims inserted by the engine's statement, timed; then deleted (not timed)."""
    with ctx.db.write() as conn:
        start = time.perf_counter()
        made = engine.repository.insert_due(conn, query(conn))
        seconds = time.perf_counter() - start
    with ctx.db.write() as conn:
        conn.execute(delete(sends))
    return made, seconds


def birthday_due(ctx: Context, account: Any, segment: int, connection: int, message: int) -> None:
    body = {
        "name": "Birthdays",
        "based_on": "date_field",
        "date_field_name": "birth_date",
        "annually_event": True,
        "ongoing_event": True,
        "status": True,
        "segments": [segment],
        "distribution": [{"esp_connection_id": connection, "domain": "default", "percent": 100}],
        "triggers": [
            {
                "based_on": "list_field",
                "email_messages": [message],
                "days_diff": 0,
                "operator": "after",
                "schedule_hour": 10,
                "schedule_minute": 30,
            }
        ],
    }
    with ctx.db.write() as conn:
        event, triggers = events_service.create_event(
            conn, ctx.clock, account.account_id, account.default_list_id, body
        )
    zone = accounts_service.zone("UTC")
    occasion = due.Occasion(date(2026, 3, 17), START_MS + 75 * 86_400_000 + 37_800_000)

    def query(conn: Any) -> Any:
        where = audience.where(conn, account.account_id, event.segments, event.segments_excluded)
        return due.due_select(event, triggers[0], None, where, occasion, zone, START_MS)

    def count() -> int:
        with ctx.db.read() as conn:
            q = query(conn)
            return int(conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0)

    def claim() -> tuple[int, float]:
        return claim_and_undo(ctx, query)

    seconds, found = timed(count)
    print(
        f"date-field due set, SELECT: {found:,} contacts due, {seconds * 1000:.0f} ms (median of 3)"
    )
    runs = [claim() for _ in range(3)]
    seconds = statistics.median(t for _, t in runs)
    print(f"date-field due set, claims: {runs[0][0]:,}, {seconds * 1000:.0f} ms (median of 3)")


def follow_up_due(
    ctx: Context,
    account: Any,
    segment: int,
    connection: int,
    message: int,
    count: int,
    one_statement: bool,
) -> None:
    with ctx.db.write() as conn:
        mailing_id = mailings_service.create_mailing(
            conn, ctx.clock, account.account_id, "Big", list_id=account.default_list_id
        )
    sent_ms = START_MS + 9 * 3_600_000
    rnd = random.Random(3)

    def rows() -> Any:
        for contact_id in range(1, count + 1):
            opened = 1 if rnd.random() < 0.1 else 0
            yield (
                contact_id,
                mailing_id,
                account.account_id,
                1,
                opened,
                int(rnd.random() < 0.2),
                sent_ms,
                sent_ms,
                sent_ms,
            )

    columns = (
        "contact_id",
        "mailing_id",
        "account_id",
        "sends",
        "opens",
        "machine_opens",
        "first_sent_ms",
        "last_sent_ms",
        "last_at_ms",
    )
    with ctx.db.write() as conn:
        backend.bulk_load(conn, contact_mailing_totals, columns, rows())
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE contact_mailing_totals"))
    body = {
        "name": "Not opened",
        "based_on": "mailing",
        "mailing_id": mailing_id,
        "ongoing_event": True,
        "status": True,
        "segments": [segment],
        "distribution": [{"esp_connection_id": connection, "domain": "default", "percent": 100}],
        "triggers": [
            {
                "based_on": "mailing",
                "email_messages": [message],
                "days_diff": 1,
                "operator": "after",
                "email_operator": "not_opened",
                "schedule_hour": 10,
                "schedule_minute": 30,
            }
        ],
    }
    with ctx.db.write() as conn:
        event, triggers = events_service.create_event(
            conn, ctx.clock, account.account_id, account.default_list_id, body
        )
    zone = accounts_service.zone("UTC")
    occasion = due.Occasion(date(2026, 1, 2), START_MS + 86_400_000 + 37_800_000)

    def query(conn: Any) -> Any:
        where = audience.where(conn, account.account_id, event.segments, event.segments_excluded)
        return due.due_select(event, triggers[0], None, where, occasion, zone, START_MS)

    def counted() -> int:
        with ctx.db.read() as conn:
            q = query(conn)
            return int(conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0)

    seconds, found = timed(counted)
    print(
        f"not-opened follow-up due set, one SELECT of the whole set (baseline): {found:,} "
        f"contacts due, {seconds * 1000:.0f} ms (median of 3)",
        flush=True,
    )
    chunked_due(ctx, event, triggers[0], occasion, zone)
    engine_run(ctx, event, occasion)
    if one_statement:
        made, seconds = claim_and_undo(ctx, query)
        print(
            f"not-opened follow-up, claims in one INSERT ... SELECT (baseline): {made:,} "
            f"in {seconds * 1000:.0f} ms",
            flush=True,
        )


def cpu_now(ctx: Context) -> tuple[float, float]:
    """(this process's CPU s, the CPU s of the benchmark database's PostgreSQL backends)."""
    return time.process_time(), backend_cpu_s(ctx)


def backend_cpu_s(ctx: Context) -> float:
    """Sum of utime + stime of the server processes serving this database (PostgreSQL on this
    machine, read from /proc; 0 on SQLite, whose work is this process's)."""
    url = ctx.settings.database_url
    if not url.startswith("postgresql"):
        return 0.0
    name = url.rsplit("/", 1)[1].encode()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if not cmdline.startswith(b"postgres:") or name not in cmdline:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def chunked_due(ctx: Context, event: Any, trigger: Any, occasion: Any, zone: Any) -> None:
    """The due set as the engine walks it: chunk bounds on the keyset, one SELECT per chunk."""
    keys = due.keyset(event, trigger)
    assert keys is not None
    size = ctx.settings.automation_chunk
    cpu = cpu_now(ctx)
    start = time.perf_counter()
    first_s, found, chunks, low = 0.0, 0, 0, None
    with ctx.db.read() as conn:
        where = audience.where(conn, event.account_id, event.segments, event.segments_excluded)
        while True:
            high = engine.repository.chunk_end(conn, *keys, low, size)
            q = due.due_select(
                event, trigger, None, where, occasion, zone, START_MS, bounds=(low, high)
            )
            found += int(conn.execute(select(func.count()).select_from(q.subquery())).scalar() or 0)
            chunks += 1
            if chunks == 1:
                first_s = time.perf_counter() - start
            if high is None:
                break
            low = high
    total = time.perf_counter() - start
    used, server = (a - b for a, b in zip(cpu_now(ctx), cpu, strict=True))
    print(
        f"not-opened follow-up due set, in chunks of {size:,} contact ids: first chunk "
        f"{first_s * 1000:.0f} ms, all {chunks} chunks ({found:,} due) {total * 1000:.0f} ms; "
        f"CPU {used:.2f} s here, {server:.2f} s in PostgreSQL",
        flush=True,
    )


def engine_run(ctx: Context, event: Any, occasion: Any) -> None:
    """The engine's run at the occasion: chunk by chunk, each an INSERT ... SELECT committed on
    its own; when the first claims are committed (delivery could start) and the last."""
    marks: list[float] = []
    cpu = cpu_now(ctx)
    start = time.perf_counter()
    made = engine.run_event(
        ctx, event.id, occasion.at_ms + 60_000, lambda conn: marks.append(time.perf_counter())
    )
    total = time.perf_counter() - start
    used, server = (a - b for a, b in zip(cpu_now(ctx), cpu, strict=True))
    first = (marks[0] - start) if marks else total
    print(
        f"not-opened follow-up, engine run: {made:,} claims in {len(marks)} chunks, first "
        f"chunk committed after {first * 1000:.0f} ms, all after {total:.1f} s; CPU "
        f"{used:.2f} s here, {server:.2f} s in PostgreSQL",
        flush=True,
    )
    with ctx.db.write() as conn:
        conn.execute(delete(sends))


def send_mailing(ctx: Context, account: Any, message: int, label: str, domains: range) -> None:
    """A mailing to the contacts of some of the 50 email domains (2% of them each), from
    send-now (create, then the start job's claims) to every send recorded."""
    rule = {
        "field_name": "email",
        "type": "email",
        "operator": "_LIKE",
        "operand": [f"@bench{d}.test" for d in domains],
    }
    with ctx.db.write() as conn:
        list_id = account.default_list_id
        segment = segments_service.create_segment(
            conn, ctx.clock, account.account_id, list_id, {"name": label, "criteria": [rule]}
        ).id
        body = {"name": label, "email_message": [message], "segments": [segment]}
        mailing = campaigns.create_mailing(conn, ctx.clock, account.account_id, list_id, body)
    start = time.perf_counter()
    recipients = campaigns.run_start(ctx, mailing.id)  # the start job's claims, chunk by chunk
    claimed = time.perf_counter() - start
    cpu_before = cpu_now(ctx)
    handled = deliver.deliver(ctx, "bench", limit=500)
    used, server = (a - b for a, b in zip(cpu_now(ctx), cpu_before, strict=True))
    cpu_ms = used * 1000 / max(1, handled)
    server_ms = server * 1000 / max(1, handled)
    total = time.perf_counter() - start
    with ctx.db.read() as conn:
        mine = (events.c.mailing_id == mailing.id) & (events.c.type == 1)
        recorded = conn.execute(select(func.count()).select_from(events).where(mine)).scalar()
    rate = handled / (total - claimed)
    print(
        f"{label}: {recipients:,} recipients, claims in {claimed:.2f} s, all recorded after "
        f"{total:.1f} s; {handled:,} handled, {recorded:,} em_sends stored; "
        f"delivery {rate:,.0f} messages/s ({ctx.settings.send_lanes} lanes), "
        f"{cpu_ms:.2f} ms of this process's CPU per message ({1000 / cpu_ms:,.0f}/s of one core), "
        f"{server_ms:.2f} ms in PostgreSQL",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument(
        "--throughput", type=int, default=20_000, help="messages for the throughput run"
    )
    parser.add_argument(
        "--mailing", type=int, default=100_000, help="recipients of the send-now mailing"
    )
    parser.add_argument("--lanes", type=int, default=8, help="parallel SMTP sessions")
    parser.add_argument(
        "--daily-quota", type=int, default=None, help="the sink connection's daily_quota"
    )
    parser.add_argument("--due-only", action="store_true", help="only the due-set figures")
    parser.add_argument("--chunk", type=int, default=10_000, help="contact ids per claim chunk")
    parser.add_argument(
        "--one-statement",
        action="store_true",
        help="also time the former claim of the whole follow-up set in one INSERT ... SELECT",
    )
    args = parser.parse_args()
    if args.backend == "postgresql":
        url = args.pg_url
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    fresh(url)
    settings = Settings(
        database_url=url,
        secret_key="bench-secret-key-automation",
        public_url="https://t.bench.test",
        send_lanes=args.lanes,
        automation_chunk=args.chunk,
    )
    ctx = Context(settings=settings, db=Database(url), clock=FrozenClock(START_MS))
    port = free_port()
    stop_sink = start_sink(port)
    try:
        print(f"backend {args.backend}, {args.contacts:,} contacts", flush=True)
        t0 = time.perf_counter()
        account, segment, connection, message = setup(ctx, args.contacts, port, args.daily_quota)
        print(f"(loaded in {time.perf_counter() - t0:.0f} s)", flush=True)
        birthday_due(ctx, account, segment, connection, message)
        follow_up_due(ctx, account, segment, connection, message, args.contacts, args.one_statement)
        if args.due_only:
            return
        per_domain = args.contacts // 50
        first = max(1, args.throughput // per_domain)
        send_mailing(ctx, account, message, "throughput run", range(first))
        send_mailing(
            ctx,
            account,
            message,
            "send-now mailing",
            range(10, 10 + max(1, args.mailing // per_domain)),
        )
    finally:
        stop_sink()
        ctx.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
