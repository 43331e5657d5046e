"""Slack's rate limits in the simulated workspace: per (team, method) tiers over a sliding
minute, and chat.postMessage's one message a second per channel with a short burst.

Off by default (`enable_tiers` turns them on), so the other tests see a Slack without limits.
Each method's tier is the one docs.slack.dev gives it (slack-ruby/slack-api-ref
`docs.slack.dev/methods/<method>.json`, `rate_limits`), at the floor of the tier's range in
"Rate limits": Tier 1 1/min, Tier 2 20/min, Tier 3 50/min, Tier 4 100/min; auth.test and
chat.getPermalink are "special" and not limited here. Over a limit the sim answers the way
Slack does: HTTP 429, a `Retry-After` header in whole seconds and
`{"ok": false, "error": "ratelimited"}` (API-NOTES §3.5, §3.7). The window scales
(`period=6.0` is a 6 s "minute" with the same counts) so tests stay fast. Every 429 is counted
per (team, method), and a call that comes back before the Retry-After it was given (later than
IN_FLIGHT_S after that 429, so not one already on its way) is kept in `early_retries`.

May import: the standard library, bot.sim.slack.state.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.sim.slack.state import Workspace

TIER_PER_MIN = {1: 1, 2: 20, 3: 50, 4: 100}
TIER_OF: dict[str, int] = {
    "chat.update": 3, "chat.delete": 3, "chat.postEphemeral": 4,
    "reactions.add": 3, "reactions.remove": 2,
    "conversations.replies": 3, "conversations.history": 3, "conversations.members": 4,
    "users.info": 4, "users.list": 2, "files.info": 4,
    "files.getUploadURLExternal": 4, "files.completeUploadExternal": 4,
    "apps.connections.open": 3, "views.open": 4, "views.update": 4,
    "chat.startStream": 2, "chat.appendStream": 4, "chat.stopStream": 2,
}
TIERS: dict[str, int] = {method: TIER_PER_MIN[tier] for method, tier in TIER_OF.items()}
POST_BURST = 5  # chat.postMessage: this many in any POST_BURST "seconds" per channel
IN_FLIGHT_S = 0.1  # a call this soon after a 429 was on its way before the app read it


@dataclass
class Tiers:
    """The windows of an enabled sim: call times per key, 429s, and promised retry times."""

    period: float
    limits: dict[str, int]
    post_burst: int
    seen: dict[tuple[str, ...], deque[float]] = field(default_factory=dict)
    retry_at: dict[tuple[str, ...], tuple[float, float]] = field(default_factory=dict)


class Limits(Workspace):
    """Slack's tiers on request (mixed into SlackSim)."""

    def enable_tiers(self, period: float = 60.0, limits: dict[str, int] | None = None,
                     post_burst: int = POST_BURST) -> None:
        """Enforce Slack's tiers; `period` is the length of Slack's minute in seconds (0.5 to
        3600), `limits` overrides calls per minute by method (1 to 10,000), `post_burst`
        (1 to 100) is how many chat.postMessage calls a channel takes at once."""
        merged = {**TIERS, **(limits or {})}
        if not 0.5 <= period <= 3600:
            raise ValueError(f"period {period} s is outside 0.5 to 3600")
        if bad := [m for m, n in merged.items() if not 1 <= n <= 10_000]:
            raise ValueError(f"limits outside 1 to 10,000 a minute: {bad}")
        if not 1 <= post_burst <= 100:
            raise ValueError(f"post_burst {post_burst} is outside 1 to 100")
        self.tiers = Tiers(period, merged, post_burst)

    def disable_tiers(self) -> None:
        self.tiers = None

    def _team_for(self, method: str, args: dict[str, Any],
                  token: str | None) -> tuple[str, str]:
        """The team a call counts against and the channel it names (a file's first channel for
        files.info): the channel's team, else the token's."""
        channel = str(args.get("channel") or args.get("channel_id") or "").split(",")[0]
        if not channel and method == "files.info":
            f = self._files.get(str(args.get("file") or ""))
            channel = next(iter(f.obj.get("channels") or []), "") if f else ""
        if channel:
            return self.channel_teams.get(channel, self.team_id), channel
        return self.bot_tokens.get(str(token), self.team_id), ""

    def _over_tier(self, method: str, team: str, channel: str) -> int | None:
        """None when the call may go on; else the Retry-After (s) of its 429."""
        tiers = self.tiers
        if tiers is None:
            return None
        if method == "chat.postMessage":
            key: tuple[str, ...] = (team, method, channel)
            limit, window = tiers.post_burst, tiers.post_burst * tiers.period / 60
        elif method in tiers.limits:
            key, limit, window = (team, method), tiers.limits[method], tiers.period
        else:
            return None
        now = time.monotonic()
        told, retry_at = tiers.retry_at.get(key, (0.0, 0.0))
        if told + IN_FLIGHT_S < now < retry_at:
            self.early_retries.append(f"{team} {method}")
        seen = tiers.seen.setdefault(key, deque())
        while seen and seen[0] <= now - window:
            seen.popleft()
        if len(seen) < limit:
            seen.append(now)
            return None
        retry_after = max(1, math.ceil(seen[0] + window - now))
        tiers.retry_at[key] = (now, max(retry_at, now + retry_after))
        self.ratelimited[(team, method)] += 1
        return retry_after

    @property
    def ratelimited_total(self) -> int:
        return sum(self.ratelimited.values())
