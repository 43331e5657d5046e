"""A job's one status message in its thread: posted once, then edited in place.

The first post and the write of its ts run uninterrupted, so a shutdown cannot leave a message
the next run does not know about; every later state (a resumed run included) edits that same
message. Edits go out from one task per job, one at a time, through the workspace's shared
chat.update budget (bot.edges.slack_limits): while an edit waits its turn, newer states replace
the pending text, so a busy workspace skips stages but a status never goes backwards, and the
last word (done, or the failure sentence) is always the last edit.

The first post runs beside the job's own work (`begin`), OPEN_AFTER_S after it starts: a job's
upload to AssemblyAI neither waits for Slack nor shares the event loop with the post while its
first request goes out. Everything that needs the message (an edit, the last word, the recap
posts that must come after it in the thread) starts that post at once and waits for it
(`opened`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import render
from bot.core.block_kit import fallback_text
from bot.deps import Deps
from bot.edges.store import Job
from bot.errors import SlackRefused
from bot.pipeline import Progress

log = logging.getLogger(__name__)
STATUS_EVERY_S = 2.0
OPEN_AFTER_S = 0.015  # the job's first request (the upload, the create) leaves before the post


class StatusMessage:
    """The one status message of a job: posted once, then edited in place, at most every 2 s.

    A step that arrives sooner waits for the window and is dropped if a newer one overtakes it,
    so the thread sees every stage of a slow job and no burst of edits from a fast one.
    """

    def __init__(self, deps: Deps, job: Job) -> None:
        self.deps, self.job = deps, job
        self.last = 0.0
        self.pending: tuple[str, bool, bool] | None = None  # text, failed, final
        self.flush: asyncio.Task[None] | None = None
        self.sending = False  # the flush is past its wait: its edit is on its way to Slack
        self.hourglass = False  # the job's hourglass reaction was added
        self.ended = False  # the last word (done, or the failure sentence) was given
        self.opening: asyncio.Task[None] | None = None  # the first post, run beside the job
        self._open_now = asyncio.Event()  # something needs the message: post it now

    def begin(self, text: str, react: Callable[[], Awaitable[bool]]) -> None:
        """Post (or, on a resume, edit) the first state and add the hourglass (`react`) in a
        task, so the job's first requests go out at the same time."""
        self.last = time.monotonic()  # a step before the post lands waits its 2 s window

        async def open_() -> None:
            try:
                await asyncio.wait_for(self._open_now.wait(), OPEN_AFTER_S)
            except TimeoutError:
                pass
            await self.show(text, final=False)
            self.hourglass = await react()

        self.opening = asyncio.create_task(open_())

    async def opened(self, *, check: bool = False) -> None:
        """Wait for `begin`'s post and hourglass; with `check`, raise what stopped them."""
        task = self.opening
        if task is None or task is asyncio.current_task():
            return
        self._open_now.set()
        await asyncio.wait([task])
        error = None if task.cancelled() else task.exception()  # retrieved either way
        if check and error is not None:
            self.opening = None  # said once: the job's failure handling takes over
            raise error

    async def progress(self, step: Progress) -> None:
        """Never waits for Slack: the edit goes out from a task, so the job's next step (a map
        call, the reduce) does not queue behind a chat.update."""
        if self.ended:
            return  # the last word is said or on its way: nothing may follow it
        self.pending = (f":hourglass_flowing_sand: {step.detail}…", False, False)
        if self.flush is None:
            wait = max(self.last + STATUS_EVERY_S - time.monotonic(), 0.0)
            self.flush = asyncio.create_task(self._later(wait))

    async def _later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        if not self.job.status_ts:
            await self.opened()  # an edit needs the message's ts
        self.sending = True
        try:
            while self.pending is not None:
                await self._edit()
        finally:
            self.sending, self.flush = False, None

    async def _edit(self) -> None:
        job, final = self.job, False

        def latest() -> tuple[str, list[Any] | None] | None:
            nonlocal final
            if self.pending is None:
                return None
            text, failed, final = self.pending
            self.pending = None
            blocks = render.status_blocks(text, job_id=job.id, failed=failed)
            return fallback_text(text), blocks

        try:
            urgent = self.pending is not None and self.pending[2]
            await self.deps.slack.edit_latest(job.channel, job.status_ts or "", latest,
                                              team=job.team_id, urgent=urgent)
        except SlackRefused as error:
            if final:
                raise
            log.warning("job %s: status step not shown: %s", job.id, error.code)
        self.last = time.monotonic()

    def close(self) -> None:
        """Drop a pending edit (the job ended or was cancelled)."""
        if self.flush is not None:
            self.flush.cancel()
            self.flush = None

    def stop(self) -> None:
        """The job ended or was cancelled: drop a pending edit and a first post not yet sent
        (one already on its way is finished under `deps.uninterrupted`)."""
        self.close()
        if self.opening is not None:
            self.opening.cancel()

    async def show(self, text: str, *, failed: bool = False, final: bool = True) -> None:
        self.ended = self.ended or final
        await self.opened()
        job = self.job
        if job.status_ts:
            self.pending = (text, failed, final)
            if self.flush is not None and not self.sending:  # still in its 2 s wait
                self.close()
            task = self.flush or asyncio.create_task(self._later(0.0))
            self.flush = task
            await asyncio.wait([task])
            error = None if task.cancelled() else task.exception()
            if self.pending is not None and self.pending[0] == text:  # it stopped before ours
                await self._edit()
            elif error is not None:
                raise error
            return
        if final:  # the last word: no step may follow it (a newer step stays for its edit)
            self.pending = None
        self.last = time.monotonic()
        blocks = render.status_blocks(text, job_id=job.id, failed=failed)
        fallback = fallback_text(text)

        async def post() -> Job:
            ts = await self.deps.slack.post(job.channel, fallback, thread_ts=job.thread_ts,
                                            blocks=blocks, team=job.team_id)
            return await self.deps.store.update_job(job.id, status_ts=ts)

        self.job = await self.deps.uninterrupted(post())
