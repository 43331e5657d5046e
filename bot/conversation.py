"""What people do in Slack and what Recap does about it: share a recording or a link, reply in
a recap's thread, mention @Recap, type /recap. Listeners unpack a request and call one function
here; what is done inside one recap's thread lives in bot.threads.

May import: bot.threads (re-exported for the buttons), bot.jobs, bot.core, bot.deps,
bot.errors, bot.store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from bot.core import notices, prompts, render
from bot.core.sources import (
    RecapCommand,
    find_links,
    is_media_url,
    parse_command,
    parse_permalink,
    slack_file_source,
    url_source,
)
from bot.deps import Deps
from bot.errors import SourceRejected
from bot.jobs import Jobs
from bot.store import Job
from bot.threads import act_on, follow_up, forget, restyle, say, send_transcript

__all__ = ["Place", "Reply", "clicked", "command", "file_shared", "forget", "mention", "message",
           "restyle", "send_transcript", "share_files", "share_link"]


@dataclass(frozen=True)
class Place:
    """Where a request came from: the thread a reply goes to, the message a reaction goes on."""

    team_id: str
    channel: str
    thread_ts: str
    message_ts: str | None
    user_id: str | None


@dataclass(frozen=True)
class Reply:
    """A command's private answer, sent with the acknowledgement, and the work that follows it."""

    text: str | None = None
    then: Callable[[], Awaitable[Any]] | None = None


async def share_files(deps: Deps, jobs: Jobs, files: list[dict[str, Any]], place: Place, *,
                      style: str = prompts.DEFAULT_STYLE, instructions: str = "") -> int:
    """A recap job per recording among `files`; a too-large file gets its sentence in the thread."""
    started = 0
    for file in files:
        try:
            source = slack_file_source(place.team_id, file, max_bytes=deps.config.max_file_bytes)
        except SourceRejected as error:
            await say(deps, place.channel, place.thread_ts, f":warning: {error}")
            continue
        if source is not None:
            key = f"{place.team_id}:file:{file['id']}:{place.channel}:{style}:{instructions}"
            started += await _submit(jobs, key, source, place, style, instructions) is not None
    return started


async def share_link(deps: Deps, jobs: Jobs, url: str, place: Place, *,
                     style: str = prompts.DEFAULT_STYLE, instructions: str = "") -> None:
    """A public media link goes to AssemblyAI as it is; Recap never fetches it."""
    try:
        source = url_source(place.team_id, url)
    except SourceRejected as error:
        await say(deps, place.channel, place.thread_ts, f":warning: {error}")
        return
    where = f"{place.channel}:{place.thread_ts}"
    key = f"{place.team_id}:url:{source.key}:{where}:{style}:{instructions}"
    await _submit(jobs, key, source, place, style, instructions)


async def _submit(jobs: Jobs, key: str, source: Any, place: Place, style: str,
                  instructions: str) -> Job | None:
    return await jobs.submit(
        dedupe_key=key, source=source, team_id=place.team_id, channel=place.channel,
        thread_ts=place.thread_ts, message_ts=place.message_ts, user_id=place.user_id,
        style=style, instructions=instructions)


async def file_shared(deps: Deps, jobs: Jobs, team_id: str, channel: str, file_id: str,
                      bot_user_id: str | None) -> None:
    """Slack's file_shared event: the file's share names the message to thread under. The
    message/file_share event for the same upload makes the same job key: one job."""
    assert deps.slack is not None
    file = (await deps.slack.files_info(file=file_id))["file"]
    shares = file.get("shares") or {}
    share = ({**shares.get("public", {}), **shares.get("private", {})}.get(channel) or [{}])[0]
    if file.get("user") == bot_user_id or "ts" not in share:
        return  # Recap's own upload, or no message to thread under: message/file_share covers it
    place = Place(team_id, channel, share.get("thread_ts") or share["ts"], share["ts"],
                  file.get("user"))
    await share_files(deps, jobs, [file], place)


async def message(deps: Deps, jobs: Jobs, text: str, place: Place, *, is_reply: bool) -> None:
    """A person's message: in a recap's thread a question; elsewhere a media link to recap."""
    if is_reply:
        job = await deps.store.find_job_by_thread(place.team_id, place.channel, place.thread_ts)
        gone = job is None and await deps.store.is_forgotten(
            place.team_id, place.channel, place.thread_ts)
        if job is not None or gone:
            seen = f"q:{place.team_id}:{place.channel}:{place.message_ts}"
            if await deps.store.mark_seen(seen):  # Slack may deliver the reply twice
                if job is not None:
                    await follow_up(deps, job, text)
                else:
                    await say(deps, place.channel, place.thread_ts, notices.GONE)
            return
    for url in [u for u in find_links(text) if is_media_url(u)]:
        await share_link(deps, jobs, url, place)


async def mention(deps: Deps, jobs: Jobs, text: str, place: Place, *, is_reply: bool,
                  has_files: bool) -> None:
    """`@Recap ...`: a link to recap, a verb or question for the thread's recap, or the
    recording in the message the thread hangs under."""
    command = parse_command(text, list(prompts.STYLES))
    job = gone = None
    if is_reply:
        job = await deps.store.find_job_by_thread(place.team_id, place.channel, place.thread_ts)
        gone = job is None and await deps.store.is_forgotten(
            place.team_id, place.channel, place.thread_ts)
    if command.link:
        style = command.style or prompts.DEFAULT_STYLE
        await share_link(deps, jobs, command.link, place, style=style,
                         instructions=command.instructions)
    elif command.verb == "help" or (job is not None and not text.strip()):
        await say(deps, place.channel, place.thread_ts, render.help_text(prompts.STYLES))
    elif job is not None:
        await act_on(deps, jobs, job, command, text,
                     request_id=place.message_ts or place.thread_ts)
    elif gone:  # its recording was deleted: no answer, and no quiet re-recap either
        await say(deps, place.channel, place.thread_ts, notices.GONE)
    elif is_reply:
        await _recap_thread_parent(deps, jobs, place, command)
    elif not has_files:  # a file shared with the mention is recapped by its own event
        await say(deps, place.channel, place.thread_ts,
                  command.error or render.help_text(prompts.STYLES))


async def _recap_thread_parent(deps: Deps, jobs: Jobs, place: Place,
                               command: RecapCommand) -> None:
    """`@Recap` in the thread of a message holding a recording (a file or a link)."""
    assert deps.slack is not None
    replies = await deps.slack.conversations_replies(channel=place.channel, ts=place.thread_ts,
                                                     limit=1)
    parent = (replies.get("messages") or [{}])[0]
    under = replace(place, message_ts=place.thread_ts)
    style = command.style or prompts.DEFAULT_STYLE
    if await share_files(deps, jobs, parent.get("files") or [], under, style=style,
                         instructions=command.instructions):
        return
    links = find_links(str(parent.get("text") or ""))
    if links:
        await share_link(deps, jobs, links[0], under, style=style,
                         instructions=command.instructions)
    elif not parent.get("files"):
        await say(deps, place.channel, place.thread_ts, notices.NO_RECORDING_HERE)


async def command(deps: Deps, jobs: Jobs, text: str, *, team_id: str, channel: str,
                  user_id: str, request_id: str) -> Reply:
    """/recap: decided at once (Slack waits 3 s for the ack); the work runs after the ack."""
    parsed = parse_command(text, list(prompts.STYLES))
    if parsed.verb == "help" or parsed.error:
        return Reply(parsed.error or render.help_text(prompts.STYLES))
    where = parse_permalink(parsed.link) if parsed.link else None
    if parsed.link and where is None:
        try:  # a refused link is answered privately, before anything is posted or sent
            url_source(team_id, parsed.link)
        except SourceRejected as error:
            return Reply(f":warning: {error}")
        return Reply(then=partial(_new_thread, deps, jobs, parsed, team_id, channel, user_id))
    job = (await deps.store.find_job_by_thread(team_id, *where) if where
           else await deps.store.latest_job_in_channel(team_id, channel))
    if job is None or job.channel != channel:
        return Reply(notices.NOTHING_TO_RECAP)
    return Reply(notices.command_taken(str(job.source.get("name") or "the recording")),
                 partial(act_on, deps, jobs, job, parsed, text, request_id=request_id))


async def _new_thread(deps: Deps, jobs: Jobs, parsed: RecapCommand, team_id: str, channel: str,
                      user_id: str) -> None:
    """`/recap <link>`: a message of Recap's own to hold the recap's thread."""
    assert deps.slack is not None and parsed.link
    parent = await deps.slack.chat_postMessage(
        channel=channel, text=notices.link_request_text(user_id, parsed.link),
        unfurl_links=False, unfurl_media=False)
    place = Place(team_id, channel, parent["ts"], None, user_id)
    await share_link(deps, jobs, parsed.link, place, style=parsed.style or prompts.DEFAULT_STYLE,
                     instructions=parsed.instructions)


async def clicked(deps: Deps, *, job_id: int, team_id: str, channel: str,
                  thread_ts: str) -> tuple[Job | None, str | None]:
    """The job a button names, only from the workspace and channel it was posted in; else what
    to tell the clicker privately (None: nothing, e.g. a forged value)."""
    job = await deps.store.get_job(job_id) if job_id else None
    if job is not None and job.team_id == team_id and job.channel == channel:
        return job, None
    if job is None and await deps.store.is_forgotten(team_id, channel, thread_ts):
        return None, notices.GONE  # a button on a recording deleted since
    return None, None
