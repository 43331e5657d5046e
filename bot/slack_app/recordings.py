"""How a shared recording becomes a job: Slack files (the message or the file_shared event) and
links, keyed so that a retried or doubled delivery of one upload is one job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core import prompts
from bot.core.sources import Source, slack_file_source, url_source
from bot.deps import Deps
from bot.edges.store import Job
from bot.errors import SourceRejected
from bot.slack_app.recap_thread import say
from bot.slack_app.runner import Runner


@dataclass(frozen=True)
class Place:
    """Where a request came from: the thread a reply goes to, the message a reaction goes on."""

    team_id: str
    channel: str
    thread_ts: str
    message_ts: str | None
    user_id: str | None


async def share_files(deps: Deps, jobs: Runner, files: list[dict[str, Any]], place: Place, *,
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


async def share_link(deps: Deps, jobs: Runner, url: str, place: Place, *,
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


async def _submit(jobs: Runner, key: str, source: Source, place: Place, style: str,
                  instructions: str) -> Job | None:
    return await jobs.submit(
        dedupe_key=key, source=source, team_id=place.team_id, channel=place.channel,
        thread_ts=place.thread_ts, message_ts=place.message_ts, user_id=place.user_id,
        style=style, instructions=instructions)


async def file_shared(deps: Deps, jobs: Runner, team_id: str, channel: str, file_id: str,
                      bot_user_id: str | None) -> None:
    """Slack's file_shared event: the file's share names the message to thread under. The
    message/file_share event for the same upload makes the same job key: one job."""
    file = await deps.slack.file_info(file_id)
    shares = file.get("shares") or {}
    share = ({**shares.get("public", {}), **shares.get("private", {})}.get(channel) or [{}])[0]
    if file.get("user") == bot_user_id or "ts" not in share:
        return  # Recap's own upload, or no message to thread under: message/file_share covers it
    place = Place(team_id, channel, share.get("thread_ts") or share["ts"], share["ts"],
                  file.get("user"))
    await share_files(deps, jobs, [file], place)
