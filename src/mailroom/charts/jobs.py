"""The charts.refresh job: one account's rollups brought up to date (safe to run twice)."""

from __future__ import annotations

from mailroom.charts import rollups
from mailroom.context import Context
from mailroom.jobs.queue import Job
from mailroom.jobs.worker import handler


@handler(rollups.REFRESH_KIND)
def refresh(ctx: Context, job: Job) -> None:
    with ctx.db.write() as conn:
        rollups.refresh(conn, ctx.clock, int(job.payload["account_id"]))
