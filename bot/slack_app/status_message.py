"""A job's one status message in its thread: posted once, then edited in place.

The first post and the
write of its ts run uninterrupted, so a shutdown cannot leave a message the next run does not
know about; every later state (a resumed run included) edits that same message.
"""

from __future__ import annotations

import asyncio
import time

from bot.core import render
from bot.core.block_kit import fallback_text
from bot.deps import Deps
from bot.edges.store import Job
from bot.pipeline import Progress

STATUS_EVERY_S = 2.0


class StatusMessage:
    """The one status message of a job: posted once, then edited in place, at most every 2 s.

    A step that arrives sooner waits for the window and is dropped if a newer one overtakes it,
    so the thread sees every stage of a slow job and no burst of edits from a fast one.
    """

    def __init__(self, deps: Deps, job: Job) -> None:
        self.deps, self.job = deps, job
        self.last = 0.0
        self.pending: str | None = None
        self.flush: asyncio.Task[None] | None = None
        self.sending = False  # the flush's edit is on its way to Slack

    async def progress(self, step: Progress) -> None:
        """Never waits for Slack: the edit goes out from a task, so the job's next step (a map
        call, the reduce) does not queue behind a chat.update."""
        self.pending = f":hourglass_flowing_sand: {step.detail}…"
        if self.flush is None:
            wait = max(self.last + STATUS_EVERY_S - time.monotonic(), 0.0)
            self.flush = asyncio.create_task(self._later(wait))

    async def _later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self.sending = True
        try:
            if self.pending is not None:
                await self.show(self.pending, final=False)
        finally:
            self.sending, self.flush = False, None

    def close(self) -> None:
        """Drop a pending edit (the job ended or was cancelled)."""
        if self.flush is not None:
            self.flush.cancel()
            self.flush = None

    async def show(self, text: str, *, failed: bool = False, final: bool = True) -> None:
        if final:
            if self.flush is not None and self.sending:  # let it land before the last word
                await asyncio.wait([self.flush])
            self.close()
        self.pending = None
        self.last = time.monotonic()
        slack, job = self.deps.slack, self.job
        blocks = render.status_blocks(text, job_id=job.id, failed=failed)
        fallback = fallback_text(text)
        if job.status_ts:
            await slack.update(job.channel, job.status_ts, fallback, blocks=blocks)
            return

        async def post() -> Job:
            ts = await slack.post(job.channel, fallback, thread_ts=job.thread_ts, blocks=blocks)
            return await self.deps.store.update_job(job.id, status_ts=ts)

        self.job = await self.deps.uninterrupted(post())
