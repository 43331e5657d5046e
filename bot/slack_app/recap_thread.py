"""What Recap does in one recap's thread: restyle it, answer about it, share its transcript,
forget it. Reached through the recap's buttons, replies in its thread and `@Recap <verb>`.

Everything a person reads is worded here, in core/notices.py or in core/render.py.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import notices, prompts, render
from bot.core.block_kit import escape_mrkdwn, fallback_text
from bot.core.command import RecapCommand
from bot.core.markdown import transcript_txt
from bot.core.sources import Source
from bot.core.speakers import display, named_recap, named_utterances, parse_renames
from bot.core.streaming import markdown_piece
from bot.deps import Deps
from bot.edges.store import Job
from bot.errors import Forgotten, RecapError, SlackRefused
from bot.pipeline import answer, forget_transcript
from bot.slack_app.answer_stream import AnswerStream, streamed_parts
from bot.slack_app.recap_people import owner_marks
from bot.slack_app.runner import Runner

log = logging.getLogger(__name__)
QUESTION_WORDS = frozenset(
    "what who whom whose when where why how which did does do is are was were can could "
    "should would will has have had any anything tell explain list summarize".split()
)


async def say(deps: Deps, channel: str, thread_ts: str | None, text: str,
              blocks: list[dict[str, Any]] | None = None, *, team: str = "") -> None:
    """Post in a thread (the edge makes sure links in it never unfurl)."""
    await deps.slack.post(channel, text, thread_ts=thread_ts, blocks=blocks, team=team)


def is_question(text: str) -> bool:
    """"What did Bob promise" asks about the recording; "only the budget" reshapes the recap."""
    words = text.strip().lower().split()
    return text.rstrip().endswith("?") or bool(words and words[0] in QUESTION_WORDS)


async def act_on(deps: Deps, jobs: Runner, job: Job, command: RecapCommand, text: str, *,
                 request_id: str, user_id: str | None = None) -> None:
    """`@Recap <text>` in a recap's thread, or `/recap <text> [message link]`, for one recap.

    A verb does its thing; a style or instructions make a new recap from the cache; a question
    (or a lone word that is no style, like "shorter") is answered from the transcript.
    """
    words = command.instructions or text.strip()
    renames = await _renames(deps, job, text)
    if renames:
        await rename(deps, job, renames)
    elif command.verb == "forget":
        await say(deps, job.channel, job.thread_ts, "Delete this recording everywhere?",
                  notices.forget_prompt_blocks(job.id))
    elif command.verb == "transcript":
        await send_transcript(deps, job)
    elif command.error or (not command.style and is_question(words)):
        await follow_up(deps, job, words, user_id=user_id)
    else:
        await restyle(jobs, job, style=command.style or job.style or prompts.DEFAULT_STYLE,
                      instructions=command.instructions, request_id=request_id)


async def restyle(jobs: Runner, job: Job, *, style: str, instructions: str,
                  request_id: str) -> None:
    """A new style of a recording already transcribed: LLM calls only, or none when cached."""
    style = style if style in prompts.STYLES else prompts.DEFAULT_STYLE  # a forged button
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


async def follow_up(deps: Deps, job: Job, question: str, *, user_id: str | None = None) -> None:
    """An answer from this thread's recording only, with the thread's earlier Q&A as context.

    It streams to `user_id` as it is written where it can (bot.slack_app.answer_stream); the
    thread ends with one whole answer either way."""
    if not job.transcript_id:
        await say(deps, job.channel, job.thread_ts, notices.NOT_READY)
        return
    stream = AnswerStream(deps, job.channel, job.thread_ts, team=job.team_id, user=user_id,
                          render=markdown_piece, limit=render.ANSWER_CHARS)
    try:
        history = await deps.store.thread_followups(job.team_id, job.channel, job.thread_ts or "")
        recap = await deps.store.get_recap(job.recap_id) if job.recap_id else None
        names = await _names(deps, job)
        reply = await answer(deps, job.transcript_id, question, history, names,
                             named_recap(recap, names) if recap else None, team_id=job.team_id,
                             on_text=stream.sink)
    except Forgotten:
        await stream.replace(notices.GONE, None)
        return
    except RecapError as error:
        await stream.replace(f":warning: {error}", None)
        return
    await deps.store.add_followup(job.id, question, reply)
    blocks = render.answer_blocks(reply, job_id=job.id)
    await stream.finish(*streamed_parts(blocks), fallback_text(reply), blocks)


async def forget(deps: Deps, job: Job) -> None:
    """Delete the recording's rows and text here and its transcript at AssemblyAI, for good."""
    transcript_id = job.transcript_id
    if transcript_id:
        await forget_transcript(deps, transcript_id)
    else:  # a job that failed before AssemblyAI heard of it: only its row to delete
        await deps.store.forget_job(job.id)
    await say(deps, job.channel, job.thread_ts, notices.FORGOTTEN)


async def send_transcript(deps: Deps, job: Job) -> None:
    """Upload the speaker-labelled transcript as a .txt file into the thread.

    The upload comes back as events (file_shared, a message with the file): the listeners drop
    them as Recap's own, so Recap never recaps its own transcript.
    """
    transcript = await deps.store.get_transcript(job.transcript_id or "")
    if transcript is None:
        await say(deps, job.channel, job.thread_ts, notices.GONE)
        return
    name = str(job.source.get("name") or "recording").rsplit(".", 1)[0]
    try:
        await deps.slack.upload_text(job.channel, job.thread_ts,
                                     filename=f"{name}-transcript.txt",
                                     title=f"Transcript: {name}",
                                     content=transcript_txt(named_utterances(
                                         transcript.utterances, await _names(deps, job))))
    except SlackRefused as error:
        log.warning("transcript upload failed: %s", error.code)
        await say(deps, job.channel, job.thread_ts,
                  ":warning: Slack refused the transcript upload (is files:write granted?).")


async def _names(deps: Deps, job: Job) -> dict[str, str]:
    return await deps.store.speaker_names(job.team_id, job.transcript_id or "")


async def _renames(deps: Deps, job: Job, text: str) -> dict[str, str]:
    """`A is Priya Shah, B is Marcus` in the thread: {label: name} for this recording's labels."""
    if not job.transcript_id or not any(mark in text for mark in ("=", " is ", ":")):
        return {}
    transcript = await deps.store.get_transcript(job.transcript_id)
    return parse_renames(text, transcript.speakers) if transcript else {}


async def rename(deps: Deps, job: Job, renames: dict[str, str]) -> None:
    """Name speakers (a name of "" takes it away: the letter again): a row per name, then the
    recap's messages edited in place with them.

    No AssemblyAI request and no LLM call: the stored recap is rewritten (bot.core.speakers).
    """
    assert job.transcript_id
    await deps.store.set_speaker_names(job.team_id, job.transcript_id, job.channel, renames)
    recap = await deps.store.get_recap(job.recap_id) if job.recap_id else None
    if recap is not None:
        named = named_recap(recap, await _names(deps, job))
        messages = render.recap_messages_blocks(
            named, job_id=job.id, file_name=str(job.source.get("name") or ""),
            model=deps.config.llm_model, owners=await owner_marks(deps, job, named))
        old = (job.recap_ts or "").split()
        for ts, (text, blocks) in zip(old, messages, strict=False):
            await deps.slack.update(job.channel, ts, text, blocks=blocks, team=job.team_id)
        for text, blocks in messages[len(old):]:  # names made it longer, or an old recap
            await say(deps, job.channel, job.thread_ts, text, blocks, team=job.team_id)
    done = ", ".join(f"{label} is {name}" if name else f"{label} is {display(label)} again"
                     for label, name in renames.items())
    await say(deps, job.channel, job.thread_ts, f"Got it: {escape_mrkdwn(done)}.")
