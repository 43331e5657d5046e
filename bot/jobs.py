"""Durable Slack jobs: one row per request, one status message, resumable after any restart.

May import: bot.pipeline, bot.core, bot.deps, bot.errors, slack_sdk. Each job's row is written
before its task starts, so a crash or SIGTERM leaves it for `resume()` at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import notices, render
from bot.core.sources import Source
from bot.deps import Deps
from bot.errors import RecapError
from bot.pipeline import Progress, get_recap, get_transcript
from bot.store import Job

log = logging.getLogger(__name__)
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

    async def progress(self, step: Progress) -> None:
        text = f":hourglass_flowing_sand: {step.detail}…"
        wait = self.last + STATUS_EVERY_S - time.monotonic()
        if wait <= 0 and self.flush is None:
            await self.show(text, final=False)
            return
        self.pending = text
        if self.flush is None:
            self.flush = asyncio.create_task(self._later(max(wait, 0.0)))

    async def _later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self.flush = None
        if self.pending is not None:
            await self.show(self.pending, final=False)

    async def show(self, text: str, *, failed: bool = False, final: bool = True) -> None:
        if final and self.flush is not None:
            self.flush.cancel()
            self.flush = None
        self.pending = None
        self.last = time.monotonic()
        slack, job = self.deps.slack, self.job
        assert slack is not None
        blocks = render.status_blocks(text, job_id=job.id, failed=failed)
        fallback = render.fallback_text(text)
        if job.status_ts:
            await slack.chat_update(channel=job.channel, ts=job.status_ts, text=fallback,
                                    blocks=blocks)
            return
        reply = await slack.chat_postMessage(
            channel=job.channel, thread_ts=job.thread_ts, text=fallback, blocks=blocks
        )
        self.job = await self.deps.store.update_job(job.id, status_ts=reply["ts"])


class Jobs:
    """Starts, tracks and resumes jobs. Tasks are held here, never left to the garbage collector."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.accepting = True

    async def submit(
        self, *, dedupe_key: str, source: Source, origin: str = "drop", **fields: Any
    ) -> Job | None:
        """Store the job, then start it. None when the same request was already taken."""
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
        task = asyncio.create_task(self._run(job_id), name=f"job-{job_id}")
        self.tasks[job_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(job_id, None))

    async def resume(self) -> int:
        jobs = await self.deps.store.unfinished_jobs()
        for job in jobs:
            self.spawn(job.id)
        return len(jobs)

    async def shutdown(self, grace_s: float = 6.0) -> None:
        """Stop taking work; give running steps a moment, then leave the rest resumable."""
        self.accepting = False
        running = list(self.tasks.values())
        if running:
            _, pending = await asyncio.wait(running, timeout=grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _run(self, job_id: int) -> None:
        job = await self.deps.store.get_job(job_id)
        if job is None or job.state in ("posted", "failed"):
            return
        restyle = job.source.get("origin") == "restyle"
        status = None if restyle else StatusMessage(self.deps, job)
        try:
            if status is not None:
                await status.show(":hourglass_flowing_sand: Working on it…", final=False)
                await self._react(job, "hourglass_flowing_sand")
            await self._work(job, status)
        except asyncio.CancelledError:
            raise
        except RecapError as error:
            await self._fail(job, status, error.message)
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
            await self._fail(job, status, notices.UNEXPECTED)

    async def _work(self, job: Job, status: StatusMessage | None) -> None:
        deps, source = self.deps, Source.from_dict(job.source)
        progress = status.progress if status else None

        async def submitted(transcript_id: str) -> None:
            await deps.store.update_job(job.id, transcript_id=transcript_id, state="transcribing")

        await deps.store.update_job(job.id, state="transcribing", attempts=job.attempts + 1)
        transcript, cached = await get_transcript(
            deps,
            source,
            team_id=job.team_id,
            known_id=job.transcript_id,
            on_submitted=submitted,
            **({"progress": progress} if progress else {}),
        )
        await deps.store.update_job(job.id, state="summarizing", transcript_id=transcript.id)
        recap_id, recap, _ = await get_recap(
            deps,
            transcript,
            team_id=job.team_id,
            style=job.style or "topics",
            instructions=job.instructions or "",
            cached_transcript=cached,
            judge=deps.config.judge,  # JUDGE=on: checked (and rewritten once) before posting
            **({"progress": progress} if progress else {}),
        )
        assert deps.slack is not None
        for text, blocks in render.recap_messages_blocks(
            recap, job_id=job.id, file_name=source.name, model=deps.config.llm_model
        ):
            await deps.slack.chat_postMessage(
                channel=job.channel,
                thread_ts=job.thread_ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        await deps.store.update_job(job.id, state="posted", recap_id=recap_id, error=None)
        if status is not None:
            await status.show(notices.done_text(recap))
            await self._react(job, "white_check_mark", remove="hourglass_flowing_sand")

    async def _fail(self, job: Job, status: StatusMessage | None, sentence: str) -> None:
        await self.deps.store.update_job(job.id, state="failed", error=sentence)
        try:
            if status is not None:
                await status.show(f":x: {sentence}", failed=True)
                await self._react(job, "x", remove="hourglass_flowing_sand")
            elif self.deps.slack is not None:
                await self.deps.slack.chat_postMessage(
                    channel=job.channel, thread_ts=job.thread_ts, text=f":x: {sentence}"
                )
        except SlackApiError:
            log.warning("could not tell the thread that job %s failed", job.id)

    async def _react(self, job: Job, name: str, remove: str | None = None) -> None:
        """Reactions are decoration: a failure here never fails the job."""
        slack = self.deps.slack
        if slack is None or not job.message_ts:
            return
        try:
            if remove:
                await slack.reactions_remove(
                    channel=job.channel, timestamp=job.message_ts, name=remove
                )
            await slack.reactions_add(channel=job.channel, timestamp=job.message_ts, name=name)
        except SlackApiError as error:
            log.debug("reaction %s: %s", name, error.response.get("error"))
