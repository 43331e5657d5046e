"""Who is in a channel, by name: the people Recap can name speakers after and match owners to.

conversations.members, then users.info for each member not seen lately (users:read). Both are
kept for `ttl` seconds (PEOPLE_TTL) per team, so a busy channel costs a few calls an hour, not
one per recording; concurrent asks for one channel share one fetch. Bots, deleted accounts and
Recap itself are left out. A workspace that has not granted users:read, or a channel Slack will
not list, gets no names (an empty list): names are a nicety, never a reason a recap fails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.edges.slack_api import SlackAPI
from bot.errors import SlackRefused

log = logging.getLogger(__name__)
AT_MOST = 50  # members named per channel: users.info is Tier 4 (~100 a minute per workspace)


@dataclass(frozen=True)
class Member:
    """A person in the channel, with the two names Slack shows for them."""

    id: str
    real_name: str
    display_name: str

    @property
    def name(self) -> str:
        return self.real_name or self.display_name


def member_of(user: dict[str, Any]) -> Member | None:
    """A users.info `user` as a Member; None for bots, deleted accounts and nameless ones."""
    if user.get("is_bot") or user.get("deleted") or user.get("id") == "USLACKBOT":
        return None
    profile = user.get("profile") or {}
    real = str(profile.get("real_name") or user.get("real_name") or "").strip()
    display = str(profile.get("display_name") or "").strip()
    if not (real or display):
        return None
    return Member(str(user["id"]), real, display)


class People:
    """The members of channels, by team, cached for `ttl` seconds."""

    def __init__(self, slack: SlackAPI, *, ttl: float = 3600.0, at_most: int = AT_MOST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.slack, self.ttl, self.at_most, self.clock = slack, ttl, at_most, clock
        self._channels: dict[tuple[str, str], tuple[float, list[str]]] = {}
        self._users: dict[tuple[str, str], tuple[float, Member | None]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def _fresh(self, entry: tuple[float, Any] | None) -> bool:
        return entry is not None and self.clock() - entry[0] < self.ttl

    async def members(self, team: str, channel: str) -> list[Member]:
        """The channel's people (at most `at_most`), in Slack's order; [] when Slack says no."""
        key = (team, channel)
        async with self._locks.setdefault(key, asyncio.Lock()):
            if not self._fresh(entry := self._channels.get(key)):
                try:
                    ids = await self.slack.channel_members(channel, team=team,
                                                           at_most=self.at_most)
                except SlackRefused as refused:
                    log.info("no member names for %s: %s", channel, refused.code)
                    ids = []
                entry = self._channels[key] = (self.clock(), ids)
            assert entry is not None
            found = await asyncio.gather(*(self.member(team, user) for user in entry[1]))
        return [m for m in found if m is not None]

    def is_whole(self, team: str, channel: str) -> bool:
        """Did the last `members` of this channel list all of it (fewer ids than `at_most`)?
        A cut list cannot tell a unique name from one shared with someone left out."""
        entry = self._channels.get((team, channel))
        return entry is not None and len(entry[1]) < self.at_most

    async def member(self, team: str, user_id: str) -> Member | None:
        """One person by id (None for a bot, a deleted account, or when Slack says no)."""
        key = (team, user_id)
        if self._fresh(entry := self._users.get(key)):
            assert entry is not None
            return entry[1]
        try:
            found = member_of(await self.slack.user(user_id, team=team))
        except SlackRefused as refused:
            log.info("no name for %s: %s", user_id, refused.code)
            found = None
        self._users[key] = (self.clock(), found)
        return found
