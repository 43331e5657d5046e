"""What Recap does for people in Slack: recap files and links, restyle, answer, forget, share.

May import: bot.jobs, bot.pipeline, bot.core, bot.deps, bot.errors, slack_sdk. Listeners unpack
an event or command and call one function here; everything a user sees is worded here or in
core/render.py.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import notices, prompts, render
from bot.core.sources import RecapCommand, Source, slack_file_source, url_source
from bot.deps import Deps
from bot.errors import Forgotten, RecapError, SourceRejected
from bot.jobs import Jobs
from bot.pipeline import answer
from bot.store import Job

log = logging.getLogger(__name__)


async def say(
    deps: Deps,
    channel: str,
    thread_ts: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    assert deps.slack is not None
    await deps.slack.chat_postMessage(
        channel=channel,
        thread_ts=thread_ts,
        text=text,
        blocks=blocks,
        unfurl_links=False,
        unfurl_media=False,
    )


async def start_files(
    deps: Deps,
    jobs: Jobs,
    files: list[dict[str, Any]],
    *,
    team_id: str,
    channel: str,
    thread_ts: str,
    message_ts: str | None,
    user_id: str | None,
    style: str = prompts.DEFAULT_STYLE,
    instructions: str = "",
) -> int:
    """A recap job per recording among `files`; a too-large file gets its sentence in the thread."""
    started = 0
    for file in files:
        try:
            source = slack_file_source(team_id, file, max_bytes=deps.config.max_file_bytes)
        except SourceRejected as error:
            await say(deps, channel, thread_ts, f":warning: {error}")
            continue
        if source is None:
            continue
        job = await jobs.submit(
            dedupe_key=f"{team_id}:file:{file['id']}:{channel}:{style}:{instructions}",
            source=source,
            team_id=team_id,
            channel=channel,
            thread_ts=thread_ts,
            message_ts=message_ts,
            user_id=user_id,
            style=style,
            instructions=instructions,
        )
        started += job is not None
    return started


async def start_link(
    deps: Deps,
    jobs: Jobs,
    url: str,
    *,
    team_id: str,
    channel: str,
    thread_ts: str,
    message_ts: str | None,
    user_id: str | None,
    style: str = prompts.DEFAULT_STYLE,
    instructions: str = "",
) -> None:
    """A public media link goes to AssemblyAI as it is; Recap never fetches it."""
    try:
        source = url_source(team_id, url)
    except SourceRejected as error:
        await say(deps, channel, thread_ts, f":warning: {error}")
        return
    await jobs.submit(
        dedupe_key=f"{team_id}:url:{source.key}:{channel}:{thread_ts}:{style}:{instructions}",
        source=source,
        team_id=team_id,
        channel=channel,
        thread_ts=thread_ts,
        message_ts=message_ts,
        user_id=user_id,
        style=style,
        instructions=instructions,
    )


async def restyle(jobs: Jobs, job: Job, *, style: str, instructions: str, request_id: str) -> None:
    """A new style of a recording already transcribed: LLM calls only, or none when cached."""
    await jobs.submit(
        dedupe_key=f"{job.team_id}:restyle:{job.id}:{request_id}",
        source=Source.from_dict(job.source),
        origin="restyle",
        team_id=job.team_id,
        channel=job.channel,
        thread_ts=job.thread_ts,
        message_ts=None,
        user_id=None,
        style=style,
        instructions=instructions,
        transcript_id=job.transcript_id,
    )


async def follow_up(deps: Deps, job: Job, question: str) -> None:
    """An answer from this thread's recording only, with the thread's earlier Q&A as context."""
    if not job.transcript_id:
        await say(
            deps,
            job.channel,
            job.thread_ts,
            "The recap of this recording isn't ready yet; ask again once it's posted.",
        )
        return
    try:
        history = await deps.store.followups(job.id)
        reply = await answer(deps, job.transcript_id, question, history)
    except RecapError as error:
        await say(deps, job.channel, job.thread_ts, f":warning: {error}")
        return
    await deps.store.add_followup(job.id, question, reply)
    await say(
        deps, job.channel, job.thread_ts, render.fallback_text(reply), render.answer_blocks(reply)
    )


async def forget(deps: Deps, job: Job) -> None:
    """Delete the recording's rows and text here and its transcript at AssemblyAI, for good."""
    transcript_id = job.transcript_id
    if transcript_id:
        if not transcript_id.startswith("local:") and deps.transcriber_ is not None:
            await deps.transcriber_.delete(transcript_id)
        await deps.store.forget_transcript(transcript_id)
    await say(
        deps,
        job.channel,
        job.thread_ts,
        ":wastebasket: Recap deleted this recording's transcript and recaps, here and at "
        "AssemblyAI. Follow-up questions in this thread can no longer be answered.",
    )


async def send_transcript(deps: Deps, job: Job) -> None:
    """Upload the speaker-labelled transcript as a .txt file into the thread."""
    transcript = await deps.store.get_transcript(job.transcript_id or "")
    if transcript is None:
        raise Forgotten("This recording's transcript was deleted.")
    assert deps.slack is not None
    name = str(job.source.get("name") or "recording").rsplit(".", 1)[0]
    try:
        await deps.slack.files_upload_v2(
            channel=job.channel,
            thread_ts=job.thread_ts,
            filename=f"{name}-transcript.txt",
            title=f"Transcript: {name}",
            content=render.transcript_txt(transcript.utterances),
        )
    except SlackApiError as error:
        log.warning("transcript upload failed: %s", error.response.get("error"))
        raise RecapError("Slack refused the transcript upload (is files:write granted?).") from None


async def act_on(
    deps: Deps, jobs: Jobs, job: Job, command: RecapCommand, text: str, *, request_id: str
) -> None:
    """`@Recap <verb>` or `/recap <verb> <link>` aimed at one recap."""
    if command.verb == "forget":
        await say(
            deps,
            job.channel,
            job.thread_ts,
            "Delete this recording everywhere?",
            notices.forget_prompt_blocks(job.id),
        )
    elif command.verb == "transcript":
        try:
            await send_transcript(deps, job)
        except RecapError as error:
            await say(deps, job.channel, job.thread_ts, f":warning: {error}")
    elif command.style or (command.instructions and not text.rstrip().endswith("?")):
        await restyle(
            jobs,
            job,
            style=command.style or job.style or prompts.DEFAULT_STYLE,
            instructions=command.instructions,
            request_id=request_id,
        )
    else:
        await follow_up(deps, job, text)
