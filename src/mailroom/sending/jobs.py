"""Sending's background work: start a mailing, deliver due sends, the automation minute."""

from __future__ import annotations

from mailroom.automation import engine
from mailroom.context import Context
from mailroom.jobs import queue
from mailroom.jobs.worker import handler, periodic, worker_name
from mailroom.sending import campaigns, deliver, repository


@handler(campaigns.START_JOB)
def start_mailing(ctx: Context, job: queue.Job) -> None:
    campaigns.run_start(ctx, int(job.payload["mailing_id"]))


DELIVER_BUDGET_S = 45  # a job's share of delivery, so the worker's other jobs get their turn


@handler(campaigns.DELIVER_JOB)
def deliver_due(ctx: Context, job: queue.Job) -> None:
    deliver.deliver(ctx, worker_name(), budget_s=DELIVER_BUDGET_S)
    with ctx.db.write() as conn:
        if repository.anything_due(conn, ctx.clock.now_ms()):
            campaigns.enqueue_delivery(conn, ctx.clock, follow_up=job.id)


TICK_JOB = "automation.tick"


def automation_minute(ctx: Context) -> int:
    """The scheduler's run: claim what fell due (delivery is enqueued with the first chunk that
    claims anything, so sending starts while later chunks are claimed)."""
    claimed = engine.tick(ctx, lambda conn: campaigns.enqueue_delivery(conn, ctx.clock))
    with ctx.db.write() as conn:  # new claims, retries now due, or a dead worker's sends
        if claimed or repository.anything_due(conn, ctx.clock.now_ms()):
            campaigns.enqueue_delivery(conn, ctx.clock)
    return claimed


@periodic(TICK_JOB, every_s=60)
def automation_tick(ctx: Context) -> None:
    """Every minute: what fell due since the last run is claimed and delivery starts."""
    automation_minute(ctx)
