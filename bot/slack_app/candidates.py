"""Who could be speaking in a channel's recording: the names offered to Speaker Identification.

The names this channel's earlier recordings were given (identified or renamed: the store's
channel_speaker_names, newest first), then the channel's members by name (bot.edges.
slack_people, cached PEOPLE_TTL), chosen by bot.core.identification.known_values. Gathered in a
task started with the job, so Slack is asked while the file uploads and the create never waits
on it for long (bot.pipeline.names.candidates_ready).
"""

from __future__ import annotations

import asyncio

from bot.core.identification import known_values
from bot.deps import Deps

REMEMBERED_FIRST = 20  # of the channel's remembered names, how many go before its members


async def speaker_candidates(deps: Deps, team_id: str, channel: str) -> list[str]:
    """The channel's candidate names: the newest remembered ones, its members, the older
    remembered ones (bot.core.identification.known_values bounds them); [] when none."""
    remembered, members = await asyncio.gather(
        deps.store.channel_speaker_names(team_id, channel),
        deps.people.members(team_id, channel),
    )
    newest = remembered[:REMEMBERED_FIRST]  # so a long memory never crowds out the members
    return known_values(newest, (m.name for m in members), remembered[REMEMBERED_FIRST:])


def start_candidates(deps: Deps, team_id: str, channel: str) -> asyncio.Task[list[str]]:
    """speaker_candidates in its own task; cancel it when the job no longer needs it."""
    return asyncio.create_task(speaker_candidates(deps, team_id, channel))


def drop(task: asyncio.Task[list[str]]) -> None:
    """Stop a task no longer needed; a failure it already had is read, so never reported."""
    task.cancel()
    if task.done() and not task.cancelled():
        task.exception()
