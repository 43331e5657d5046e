"""What people do in Slack and what Recap does about it: share a recording or a link, reply in
a recap's thread, mention @Recap, type /recap, click a button. Listeners unpack a request and
call one function here, in bot.slack_app.recordings (how a recording becomes a job) or in
bot.slack_app.recap_thread (what is done in one recap's thread).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from bot.core import notices, prompts, render
from bot.core.command import RecapCommand, find_links, parse_command, parse_permalink
from bot.core.intent import is_addressed
from bot.core.sources import is_media_url, url_source
from bot.deps import Deps
from bot.edges.store import Job
from bot.errors import SourceRejected
from bot.slack_app.channel_questions import channel_ask, channel_search, mention_ask
from bot.slack_app.recap_thread import act_on, follow_up, say
from bot.slack_app.recordings import Place, share_files, share_link
from bot.slack_app.runner import Runner


@dataclass(frozen=True)
class Reply:
    """A command's private answer, sent with the acknowledgement, and the work that follows it."""

    text: str | None = None
    then: Callable[[], Awaitable[Any]] | None = None


async def message(deps: Deps, jobs: Runner, text: str, place: Place, *, is_reply: bool) -> None:
    """A person's message: in a recap's thread a question or a request (chatter is left
    alone); elsewhere a media link to recap."""
    if is_reply:
        job = await deps.store.find_job_by_thread(place.team_id, place.channel, place.thread_ts)
        gone = job is None and await deps.store.is_forgotten(
            place.team_id, place.channel, place.thread_ts)
        if job is not None or gone:
            if not is_addressed(text, mentioned=False):
                return  # "thanks!", "see you tomorrow": chatter, not for Recap
            seen = f"q:{place.team_id}:{place.channel}:{place.message_ts}"
            if await deps.store.mark_seen(seen):  # Slack may deliver the reply twice
                if job is not None:
                    await follow_up(deps, job, text, user_id=place.user_id)
                else:
                    await say(deps, place.channel, place.thread_ts, notices.GONE)
            return
    for url in [u for u in find_links(text) if is_media_url(u)]:
        await share_link(deps, jobs, url, place)


async def mention(deps: Deps, jobs: Runner, text: str, place: Place, *, is_reply: bool,
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
                     request_id=place.message_ts or place.thread_ts, user_id=place.user_id)
    elif gone:  # its recording was deleted: no answer, and no quiet re-recap either
        await say(deps, place.channel, place.thread_ts, notices.GONE)
    elif is_reply:
        await _recap_thread_parent(deps, jobs, place, command)
    elif not has_files and command.instructions and is_addressed(text, mentioned=False):
        await mention_ask(deps, place.team_id, place.channel, place.thread_ts,
                          command.instructions,  # a question for the channel's recordings
                          user_id=place.user_id)
    elif not has_files:  # a file shared with the mention is recapped by its own event
        await say(deps, place.channel, place.thread_ts,
                  command.error or render.help_text(prompts.STYLES))


async def _recap_thread_parent(deps: Deps, jobs: Runner, place: Place,
                               command: RecapCommand) -> None:
    """`@Recap` in the thread of a message holding a recording (a file or a link)."""
    parent = await deps.slack.thread_parent(place.channel, place.thread_ts)
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


async def command(deps: Deps, jobs: Runner, text: str, *, team_id: str, channel: str,
                  user_id: str, request_id: str) -> Reply:
    """/recap: decided at once (Slack waits 3 s for the ack); the work runs after the ack."""
    parsed = parse_command(text, list(prompts.STYLES))
    if parsed.verb in ("ask", "search"):
        work = channel_ask if parsed.verb == "ask" else channel_search
        return Reply(notices.LOOKING, partial(work, deps, team_id, channel, user_id,
                                              parsed.instructions))
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
                 partial(act_on, deps, jobs, job, parsed, text, request_id=request_id,
                         user_id=user_id))


async def _new_thread(deps: Deps, jobs: Runner, parsed: RecapCommand, team_id: str, channel: str,
                      user_id: str) -> None:
    """`/recap <link>`: a message of Recap's own to hold the recap's thread."""
    assert parsed.link
    ts = await deps.slack.post(channel, notices.link_request_text(user_id, parsed.link))
    place = Place(team_id, channel, ts, None, user_id)
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
