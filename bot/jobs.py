"""Durable Slack jobs: one row per request, one status message, resumable after any restart.

May import: bot.pipeline, bot.core, bot.deps, bot.errors, bot.status, slack_sdk. Each job's row is
written before its task starts, and every step is stored before the next begins, so a crash or
SIGTERM leaves the job for `resume()` at the next start, which picks it up where it stopped: a
submitted transcript is polled by its stored id, the status message is edited (never posted
again), and recap messages already in the thread are not posted twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import notices, render
from bot.core.sources import Source
from bot.deps import Deps
from bot.errors import RecapError
from bot.pipeline import get_recap, get_transcript
from bot.status import StatusMessage
from bot.store import Job

log = logging.getLogger(__name__)


class Jobs:
    """Starts, tracks and resumes jobs. Tasks are held here, never left to the garbage collector."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
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
        task = asyncio.create_task(self._run(job_id), name=f"job-{job_id}")
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
        """
        if not await self.deps.store.claim_job(job.id, "failed", "queued"):
            return False  # not failed (any more), or another click took it first
        await self.deps.store.update_job(job.id, error=None)
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

    async def _run(self, job_id: int) -> None:
        job = await self.deps.store.get_job(job_id)
        if job is None or job.finished:
            return
        restyle = job.source.get("origin") == "restyle"
        status = None if restyle else StatusMessage(self.deps, job)
        try:
            if status is not None:
                await status.show(":hourglass_flowing_sand: Working on it…", final=False)
                again = "x" if job.attempts else None  # a Retry or a resume: clear an old cross
                await self._react(job, "hourglass_flowing_sand", remove=again)
            await self._work(job, status)
        except asyncio.CancelledError:
            log.info("job %s paused at its last stored step; the next start resumes it", job_id)
            raise
        except RecapError as error:
            await self._fail(job, status, error.message)
        except SlackApiError as error:
            code = error.response.get("error") or "no reason given"
            log.warning("job %s: Slack refused a call: %s", job_id, code)
            await self._fail(job, status, f"Slack refused to post the recap ({code}). "
                             "Press Retry to try again.")
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
            await self._fail(job, status, notices.UNEXPECTED)
        finally:
            if status is not None:
                status.close()

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
        # recap_id set while still summarizing means "posting": a resumed run checks the thread.
        posted_before = job.recap_id is not None
        await deps.store.update_job(job.id, recap_id=recap_id)
        messages = render.recap_messages_blocks(
            recap, job_id=job.id, file_name=source.name, model=deps.config.llm_model
        )
        there = await self._in_thread(job) if posted_before else set()
        assert deps.slack is not None
        for text, blocks in messages:
            if text in there:
                continue  # posted by the run a crash interrupted
            await deps.slack.chat_postMessage(
                channel=job.channel,
                thread_ts=job.thread_ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        if status is not None:
            try:
                await status.show(notices.done_text(recap))
                await self._react(job, "white_check_mark", remove="hourglass_flowing_sand")
            except SlackApiError as error:  # the recap is there; its status line is decoration
                log.warning("job %s: status not updated: %s", job.id, error.response.get("error"))
        # Last, so a crash before it resumes the job: the steps above are safe to repeat.
        await deps.store.update_job(job.id, state="posted", error=None)

    async def _in_thread(self, job: Job) -> set[str]:
        """Texts of Recap's replies after the job's status message: what a crashed run posted."""
        assert self.deps.slack is not None
        after = float(job.status_ts or 0)
        texts: set[str] = set()
        cursor = None
        while True:
            page = await self.deps.slack.conversations_replies(
                channel=job.channel, ts=job.thread_ts or "", limit=200, cursor=cursor
            )
            for message in page.get("messages") or []:
                if message.get("bot_id") and float(message.get("ts") or 0) > after:
                    texts.add(str(message.get("text") or ""))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return texts

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
        except Exception as error:  # Slack itself may be what failed
            log.warning("could not tell the thread that job %s failed: %s", job.id, error)

    async def _react(self, job: Job, name: str, remove: str | None = None) -> None:
        """Reactions are decoration: a failure here never fails the job."""
        slack = self.deps.slack
        if slack is None or not job.message_ts:
            return
        for call, emoji in ((slack.reactions_remove, remove), (slack.reactions_add, name)):
            if emoji is None:
                continue
            try:
                await call(channel=job.channel, timestamp=job.message_ts, name=emoji)
            except SlackApiError as error:
                log.debug("reaction %s: %s", emoji, error.response.get("error"))
