"""Who is in the simulated workspace: teams, channels and members with real names, and the Web
API methods that read them (users.info, users.list, conversations.members).

A channel belongs to a team (the sim's own unless `add_channel` says otherwise) and so does a
member, so an org-wide install can be played: events, payloads and Web API calls carry the
channel's team. A channel nobody registered holds the sim's first people (Alice, Bob, the bot);
a registered one holds the bot and whoever `add_member` puts there. Shapes follow the
docs.slack.dev examples of users.info, users.list and conversations.members (slack-ruby/
slack-api-ref `docs.slack.dev/methods/*.json`): cursor pagination with `limit` and
`response_metadata.next_cursor`, errors `user_not_found`, `channel_not_found`,
`invalid_cursor`, `invalid_limit`.

May import: the standard library, bot.sim.slack.state, .model and .wire.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from bot.sim.slack.model import ApiError
from bot.sim.slack.state import Workspace
from bot.sim.slack.wire import BOT_USER_ID, user_object

FIRST_PEOPLE = ("U0ALICE", "U0BOB", BOT_USER_ID)


class Directory(Workspace):
    """Teams, channels and members (mixed into SlackSim)."""

    def team_of(self, channel: str) -> str:
        """The team a channel belongs to: its events and Web API calls count there."""
        return self.channel_teams.get(channel, self.team_id)

    def team_of_user(self, user: str, channel: str = "") -> str:
        """A member's own team (else the channel's): `user.team_id` in payloads."""
        return str(self.users.get(user, {}).get("team_id") or self.team_of(channel))

    def domain(self, team: str) -> str:
        return self.teams.get(team, {}).get("domain", team.lower())

    def add_team(self, team_id: str, *, name: str | None = None, domain: str | None = None,
                 bot_token: str | None = None) -> dict[str, str]:
        """Another workspace; with `bot_token`, a token of its own that auth.test answers for
        (without one, the sim's bot token serves it, as an org-wide install does)."""
        team = {"id": team_id, "name": name or team_id, "domain": domain or team_id.lower()}
        self.teams[team_id] = team
        if bot_token:
            self.bot_tokens[bot_token] = team_id
        return team

    def add_channel(self, channel: str, *, name: str | None = None, team: str | None = None,
                    members: Iterable[str] | None = None) -> list[str]:
        """Register a channel (of `team`, default the sim's); its members are `members`, else
        just the bot. Returns the member list, which later `add_member` calls extend."""
        if team is not None:
            if team not in self.teams:
                self.add_team(team)
            self.channel_teams[channel] = team
        if name is not None:
            self.channel_names[channel] = name
        self.channel_members[channel] = list(dict.fromkeys(
            [BOT_USER_ID] if members is None else members))
        return self.channel_members[channel]

    def add_member(self, user_id: str, real_name: str, display_name: str | None = None, *,
                   channels: Iterable[str] = (), team: str | None = None,
                   name: str | None = None, deleted: bool = False, is_bot: bool = False,
                   email: str | None = None, tz: str = "Europe/London") -> dict[str, Any]:
        """A person (or bot) with the profile users.info returns, in `channels` (registered
        here if new), of `team` (default: the first channel's). `display_name` defaults to ""
        as Slack's does for people who set none."""
        channels = list(channels)
        team = team or (self.team_of(channels[0]) if channels else self.team_id)
        handle = name or real_name.split(" ")[0].lower() or user_id.lower()
        user = user_object(user_id, handle, real_name, team, is_bot,
                           display_name="" if display_name is None else display_name,
                           deleted=deleted, email=email, tz=tz)
        self.users[user_id] = user
        for channel in channels:
            if channel not in self.channel_members:
                self.add_channel(channel)
            members = self.channel_members[channel]
            if user_id not in members:
                members.append(user_id)
        return user

    def members_of(self, channel: str) -> list[str] | None:
        """The member ids conversations.members lists; None for a channel the sim never saw."""
        if channel in self.channel_members:
            return list(self.channel_members[channel])
        if channel in self._messages or channel in self.channel_names:
            return [u for u in FIRST_PEOPLE if u in self.users]
        return None

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        if str(args.get("include_locale")).lower() in ("true", "1"):
            user = {**user, "locale": "en-US"}
        return {"ok": True, "user": user}

    def _users_list(self, args: dict[str, Any], team: str) -> dict[str, Any]:
        team = str(args.get("team_id") or team)
        people = [u for u in self.users.values() if u.get("team_id") == team]
        page, cursor = _id_page(people, args, default=200)
        return {"ok": True, "members": page, "cache_ts": 1_700_000_000,
                "response_metadata": {"next_cursor": cursor}}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        members = self.members_of(str(args.get("channel") or ""))
        if members is None:
            raise ApiError("channel_not_found")
        page, cursor = _id_page(members, args, default=100)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}


def _id_page(items: list[Any], args: dict[str, Any], *, default: int) -> tuple[list[Any], str]:
    """One page of `items` and the cursor of the next ("" at the end); Slack caps limit at 1000
    and its cursors are opaque base64 strings."""
    raw = str(args.get("limit") or default)
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError("invalid_limit")
    limit = min(int(raw), 1000)
    start = 0
    if cursor := str(args.get("cursor") or ""):
        try:
            kind, _, offset = base64.b64decode(cursor, validate=True).decode().partition(":")
        except ValueError:
            raise ApiError("invalid_cursor") from None
        if kind != "offset" or not offset.isdigit() or int(offset) > len(items):
            raise ApiError("invalid_cursor")
        start = int(offset)
    end = start + limit
    more = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], more
