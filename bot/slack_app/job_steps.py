"""One job's steps: transcript, recap, the recap's messages in the thread, the status, done.

Every step is stored before the next begins, so a crash or SIGTERM resumes where it stopped: a
submitted transcript is polled by its stored id, the status message is edited (never posted
again), and recap messages already in the thread are not posted twice. The status message
and its hourglass go out beside the transcript's first requests (the job's row already exists,
and the post writes its own ts); the recap waits for them, so the thread's order is unchanged.
This is the task a runner runs (bot.slack_app.runner), in this process or on a worker.
"""

from __future__ import annotations

import asyncio
import logging

from bot.core import notices, render
from bot.core.sources import Source
from bot.core.speakers import named_recap
from bot.core.transcript import Transcript
from bot.deps import Deps
from bot.edges.store import Job
from bot.edges.turns import TURN
from bot.errors import RecapError, SlackRefused
from bot.pipeline import ProgressFn, get_recap, get_transcript
from bot.pipeline.names import identify_cached
from bot.pipeline.transcripts import SubmittedFn
from bot.slack_app.candidates import drop, start_candidates
from bot.slack_app.recap_people import owner_marks
from bot.slack_app.status_message import StatusMessage

log = logging.getLogger(__name__)

MAX_STARTS = 3  # starts that did not finish a job before it is given up (Retry resets it)
GAVE_UP = (
    f"Recap gave up on this recording after {MAX_STARTS} tries that did not finish (Recap was "
    "stopped or crashed each time). Press Retry to try again."
)


async def run_job(deps: Deps, job_id: int) -> None:
    """One job, from its last stored step to posted (or failed with its sentence).

    Its LLM calls take their turn by job id (bot.edges.turns): in a burst an older job's last
    call goes before a newer one's first, and a person's question before them all.
    """
    TURN.set(float(job_id))  # this task's context only: its map calls' tasks copy it
    job = await deps.store.get_job(job_id)
    if job is None or job.finished:
        return
    restyle = job.source.get("origin") == "restyle"
    status = None if restyle else StatusMessage(deps, job)
    try:
        if job.attempts >= MAX_STARTS:  # each start crashed or froze: never resume it forever
            log.warning("job %s: %s starts did not finish it; giving up", job_id, job.attempts)
            await _fail(deps, job, status, GAVE_UP)
            return
        if status is not None:  # posted beside the transcript's first requests, not before
            # A Retry or a resume (a status exists from an earlier start): clear an old cross.
            again = "x" if job.attempts or job.status_ts else None
            status.begin(":hourglass_flowing_sand: Working on it…", lambda: _react(
                deps, job, "hourglass_flowing_sand", remove=again, optional=True))
        await _work(deps, job, status)
    except asyncio.CancelledError:
        log.info("job %s paused at its last stored step; the next start resumes it", job_id)
        raise
    except SlackRefused as error:
        log.warning("job %s: Slack refused a call: %s", job_id, error.code)
        await _fail(deps, job, status, f"Slack refused to post the recap ({error.code}). "
                    "Press Retry to try again.")
    except RecapError as error:
        await _fail(deps, job, status, error.message)
    except Exception:
        log.exception("job %s failed unexpectedly", job_id)
        await _fail(deps, job, status, notices.UNEXPECTED)
    finally:
        if status is not None:
            status.stop()


async def _work(deps: Deps, job: Job, status: StatusMessage | None) -> None:
    source = Source.from_dict(job.source)
    progress = status.progress if status else None

    async def submitted(transcript_id: str) -> None:
        await deps.store.update_job(job.id, transcript_id=transcript_id, state="transcribing")

    await deps.store.update_job(job.id, state="transcribing", attempts=job.attempts + 1)
    transcript, cached = await _transcript(deps, job, source, submitted, progress)
    if status is not None:  # the status message comes first in the thread, or the job fails
        await status.opened(check=True)
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
    names = await deps.store.speaker_names(job.team_id, transcript.id)
    recap = named_recap(recap, names)  # names people gave earlier recaps of this recording
    messages = render.recap_messages_blocks(
        recap, job_id=job.id, file_name=source.name, model=deps.config.llm_model,
        owners=await owner_marks(deps, job, recap),  # members' names, mentions (rendered only)
    )
    there = await _in_thread(deps, job) if posted_before else {}
    posted = []
    for text, blocks in messages:  # a text already there was posted by an interrupted run
        posted.append(there.get(text) or await deps.slack.post(
            job.channel, text, thread_ts=job.thread_ts, blocks=blocks, team=job.team_id))
    await deps.store.update_job(job.id, recap_ts=" ".join(posted))
    if status is not None:
        try:
            await status.show(notices.done_text(recap))
            await _react(deps, job, "white_check_mark", remove=_hourglass(job, status))
        except SlackRefused as error:  # the recap is there; its status line is decoration
            log.warning("job %s: status not updated: %s", job.id, error.code)
    # Last, so a crash before it resumes the job: the steps above are safe to repeat.
    await deps.store.update_job(job.id, state="posted", error=None)


async def _transcript(deps: Deps, job: Job, source: Source, submitted: SubmittedFn,
                      progress: ProgressFn | None) -> tuple[Transcript, bool]:
    """get_transcript, with the channel's names for Speaker Identification gathered while the
    file uploads (bot.slack_app.candidates); a transcript Recap already had and nobody named
    is identified afterwards, without transcribing it again (bot.pipeline.names)."""
    naming = not source.is_transcript and job.source.get("origin") != "restyle"
    candidates = start_candidates(deps, job.team_id, job.channel) if naming else None
    try:
        transcript, cached = await get_transcript(
            deps, source, team_id=job.team_id, known_id=job.transcript_id,
            on_submitted=submitted, channel=job.channel, candidates=candidates,
            **({"progress": progress} if progress else {}),
        )
        if cached and candidates is not None:
            await identify_cached(deps, job.team_id, job.channel, transcript, candidates)
    finally:
        if candidates is not None:
            drop(candidates)
    return transcript, cached


async def _in_thread(deps: Deps, job: Job) -> dict[str, str]:
    """Recap's replies after the job's status message (text -> ts): what a crashed run posted."""
    after = float(job.status_ts or 0)
    return {str(message.get("text") or ""): str(message.get("ts"))
            async for message in deps.slack.replies(job.channel, job.thread_ts or "",
                                                      team=job.team_id)
            if message.get("bot_id") and float(message.get("ts") or 0) > after}


async def _fail(deps: Deps, job: Job, status: StatusMessage | None, sentence: str) -> None:
    try:
        await deps.store.update_job(job.id, state="failed", error=sentence)
    except LookupError:  # the row was forgotten meanwhile: only the thread is left to tell
        log.info("job %s was forgotten while it ran", job.id)
    try:
        if status is not None:
            await status.show(f":x: {sentence}", failed=True)
            await _react(deps, job, "x", remove=_hourglass(job, status))
        else:
            await deps.slack.post(job.channel, f":x: {sentence}", thread_ts=job.thread_ts,
                                  team=job.team_id)
    except Exception as error:  # Slack itself may be what failed
        log.warning("could not tell the thread that job %s failed: %s", job.id, error)


async def _react(deps: Deps, job: Job, name: str, remove: str | None = None, *,
                 optional: bool = False) -> bool:
    """Reactions are decoration: a failure here never fails the job, and a workspace whose
    reaction budget is spent skips them (`optional`: the hourglass goes first)."""
    if not job.message_ts:
        return False
    return await deps.slack.react(job.channel, job.message_ts, name, remove=remove,
                                  team=job.team_id, optional=optional)


def _hourglass(job: Job, status: StatusMessage) -> str | None:
    """The hourglass to take off: this run's, or one an earlier run may have left."""
    return "hourglass_flowing_sand" if status.hourglass or job.attempts else None
