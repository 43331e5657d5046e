"""The durable job runner: one row per request, run as an in-process task, resumable.

Each job's row is written before its task starts, and every step is stored before the next
begins (bot.slack_app.job_steps), so a crash or SIGTERM leaves the job for `resume()` at the
next start. This is the small interface (`Runner`) that a real task queue replaces past one
machine: submit, resume, retry, shutdown; what a job does is not its business.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from bot.core.sources import Source
from bot.deps import Deps
from bot.edges.store import Job

log = logging.getLogger(__name__)


Task = Callable[[Deps, int], Coroutine[Any, Any, None]]


class Runner(Protocol):
    """What the Slack face asks of whatever runs its jobs."""

    async def submit(self, *, dedupe_key: str, source: Source, origin: str = "drop",
                     **fields: Any) -> Job | None: ...
    async def resume(self) -> int: ...
    async def retry(self, job: Job) -> bool: ...
    async def shutdown(self) -> None: ...


class Jobs:
    """Runs jobs as tasks of this process. Tasks are held here, never left to the garbage
    collector."""

    def __init__(self, deps: Deps, task: Task) -> None:
        self.deps, self.task = deps, task
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.accepting = True

    async def submit(
        self, *, dedupe_key: str, source: Source, origin: str = "drop", **fields: Any
    ) -> Job | None:
        """Store the job, then start it. None when the same request was already taken.

        The row is the acknowledgement's promise: once it is written, a crash or a shutdown
        cannot lose the request (the next start resumes it).
        """
        job, created = await self.deps.store.create_job(
            dedupe_key=dedupe_key,
            source={**source.to_dict(), "origin": origin},
            state="queued",
            **fields,
        )
        if not created:
            return None
        self.spawn(job.id)
        return job

    def spawn(self, job_id: int) -> None:
        if not self.accepting or job_id in self.tasks:
            return  # stored as queued: the next start resumes it
        task = asyncio.create_task(self.task(self.deps, job_id), name=f"job-{job_id}")
        self.tasks[job_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(job_id, None))

    async def resume(self) -> int:
        jobs = await self.deps.store.unfinished_jobs()
        for job in jobs:
            self.spawn(job.id)
        return len(jobs)

    async def retry(self, job: Job) -> bool:
        """The Retry button: run a failed job again from its last good step.

        The stored transcript (or the id of one still being made) is reused, so a recording is
        never transcribed twice; the same status message is edited. True if this call took it.
        A Retry is a start on purpose: the count of unfinished starts (`attempts`, capped by
        job_steps.MAX_STARTS) begins again.
        """
        if not await self.deps.store.claim_job(job.id, "failed", "queued"):
            return False  # not failed (any more), or another click took it first
        await self.deps.store.update_job(job.id, error=None, attempts=0)
        running = self.tasks.get(job.id)
        if running is not None:  # the failure is still being posted: start once that is done
            running.add_done_callback(lambda _: self.spawn(job.id))
        else:
            self.spawn(job.id)
        return True

    async def shutdown(self) -> None:
        """Stop taking work and cancel running jobs: each is stored at its last step.

        Steps that must not be cut (a create at AssemblyAI until its id is written, a first
        status post until its ts is written) run on under `deps.uninterrupted`; the server
        waits for them before closing the store.
        """
        self.accepting = False
        running = list(self.tasks.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
