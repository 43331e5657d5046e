"""Jobs on procrastinate (a PostgreSQL task queue): the `Runner` for DATABASE_URL.

`recap run` stores the job row (the acknowledgement's promise, as with `Jobs`) and defers one
procrastinate job `recap.run_job(job_id=…)`; `recap worker` processes run it with
bot.slack_app.job_steps.run_job, which resumes from the row's last stored step. Each deferral
carries `lock` and `queueing_lock` "recap-job-<id>": at most one waiting copy, and never two
running at once, however often a job is resumed or retried. A worker killed with kill -9 stops
sending heartbeats; every worker looks for jobs left in `doing` by workers silent for longer than
`stalled_after` (`JobManager.get_stalled_jobs(seconds_since_heartbeat=…)`) and retries them.
procrastinate: https://procrastinate.readthedocs.io/en/stable/howto/production/retry_stalled_jobs.html
and procrastinate/manager.py, worker.py (3.x: update_heartbeat_interval, stalled_worker_timeout).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import procrastinate
import psycopg

from bot.core.sources import Source
from bot.deps import Deps
from bot.edges.store import Job
from bot.slack_app.job_steps import run_job

log = logging.getLogger(__name__)
TASK = "recap.run_job"
SCHEMA_LOCK = 0x5245434151  # one advisory lock id for applying the queue's schema


def queue_app(database_url: str) -> procrastinate.App:
    """The procrastinate app on DATABASE_URL, with Recap's one task registered."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url))

    @app.task(name=TASK, pass_context=True)
    async def recap_run_job(context: procrastinate.JobContext, job_id: int) -> None:
        await run_job(context.additional_context["deps"], job_id)

    return app


async def ensure_queue_schema(app: procrastinate.App, database_url: str) -> bool:
    """Apply procrastinate's schema unless it is there; True if this call applied it.

    Web and worker processes start together on a new database: an advisory lock (held for the
    transaction) makes one of them apply it and the others see it done."""
    async with await psycopg.AsyncConnection.connect(database_url) as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK])
        row = await (await conn.execute(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).fetchone()
        if row and row[0]:
            return False
        await conn.execute(app.schema_manager.get_schema())
    return True


async def defer(app: procrastinate.App, job_id: int) -> None:
    lock = f"recap-job-{job_id}"
    try:
        await app.configure_task(TASK, lock=lock, queueing_lock=lock).defer_async(job_id=job_id)
    except procrastinate.exceptions.AlreadyEnqueued:
        pass  # a copy is already waiting: it will run the job from its last step


class QueueRunner:
    """The Runner of a web process: store the row, enqueue; workers do the rest."""

    def __init__(self, deps: Deps, app: procrastinate.App) -> None:
        self.deps, self.app = deps, app

    async def submit(self, *, dedupe_key: str, source: Source, origin: str = "drop",
                     **fields: Any) -> Job | None:
        job, created = await self.deps.store.create_job(
            dedupe_key=dedupe_key, source={**source.to_dict(), "origin": origin},
            state="queued", **fields)
        if not created:
            return None
        await defer(self.app, job.id)
        return job

    async def resume(self) -> int:
        """Enqueue the unfinished jobs the queue does not hold (a row written just before a
        crash, never deferred). One the queue holds is left alone: a second copy would block
        the stalled-job sweep's retry of the first (both carry its queueing lock)."""
        rows = await self.app.connector.execute_query_all_async(
            "SELECT lock FROM procrastinate_jobs WHERE task_name = %(task)s "
            "AND status IN ('todo', 'doing')", task=TASK)
        held = {row["lock"] for row in rows}
        jobs = [j for j in await self.deps.store.unfinished_jobs()
                if f"recap-job-{j.id}" not in held]
        for job in jobs:
            await defer(self.app, job.id)
        return len(jobs)

    async def retry(self, job: Job) -> bool:
        if not await self.deps.store.claim_job(job.id, "failed", "queued"):
            return False
        await self.deps.store.update_job(job.id, error=None)
        await defer(self.app, job.id)
        return True

    async def shutdown(self) -> None:
        """Nothing runs here (the queue keeps every deferred job): close the queue's pool."""
        await self.app.close_async()


async def retry_stalled(app: procrastinate.App, stalled_after: float,
                        stop: asyncio.Event) -> None:
    """Every `stalled_after / 2` s, put back the jobs of workers silent for `stalled_after` s."""
    while not stop.is_set():
        for job in await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=stalled_after, task_name=TASK):
            log.info("retrying job %s of a stalled worker", job.id)
            try:
                await app.job_manager.retry_job(job)
            except Exception:  # one job the sweep cannot put back must not stop the sweep
                log.warning("could not retry stalled job %s", job.id, exc_info=True)
        try:
            await asyncio.wait_for(stop.wait(), stalled_after / 2)
        except TimeoutError:
            pass
