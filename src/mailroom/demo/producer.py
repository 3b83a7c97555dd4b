"""Demo chunks made ahead in a second process while the loader stores the current one.

Making a chunk (drawing people and their mail, counting totals) is pure Python work about as
long as storing it, so on a machine with two cores a producer process halves a large load's
time. At most `AHEAD` chunks wait, so memory stays flat. Chunks come out in job order, each
made only from its job, so the data is the same with or without the producer.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from mailroom.demo.chunks import Chunk, Job, make_chunk

AHEAD = 2  # chunks made and waiting while one is stored


def produce(jobs: Sequence[Job], *, in_process: bool) -> Iterator[Chunk]:
    """The jobs' chunks in order, made here or (`in_process=False`) by a producer process."""
    if in_process:
        for job in jobs:
            yield make_chunk(job)
        return
    # A fresh interpreter, not a fork of one holding database connections and threads.
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    pending: deque[Future[Chunk]] = deque()
    try:
        for job in jobs:
            pending.append(pool.submit(make_chunk, job))
            if len(pending) > AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)
