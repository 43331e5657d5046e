"""Slack's rate limits in the simulated workspace: per (team, method) tiers over a sliding
minute, and chat.postMessage's one message a second per channel with a short burst.

Off by default (`enable_tiers` turns them on), so the other tests see a Slack without limits.
Over a limit the sim answers the way Slack does: HTTP 429, a `Retry-After` header in whole
seconds and `{"ok": false, "error": "ratelimited"}` (docs.slack.dev "Rate limits"; API-NOTES
§3.7). The window scales (`period=6.0` is a 6 s "minute" with the same counts) so tests stay
fast. Every 429 is counted per (team, method), and a call that comes back before the
Retry-After it was given (later than IN_FLIGHT_S after that 429) is kept in `early_retries`.

May import: the standard library, bot.sim.slack.state.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from bot.sim.slack.state import Workspace

# Calls a minute, per team and method (docs.slack.dev/reference/methods/<method>, "Rate limits").
TIERS: dict[str, int] = {
    "chat.update": 50, "chat.delete": 50, "reactions.add": 50, "reactions.remove": 50,
    "conversations.replies": 50, "conversations.history": 50,
    "files.info": 100, "chat.postEphemeral": 100, "users.info": 100,
}
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
        """Enforce Slack's tiers; `period` is the length of Slack's minute in seconds."""
        self.tiers = Tiers(period, {**TIERS, **(limits or {})}, post_burst)

    def disable_tiers(self) -> None:
        self.tiers = None

    def _team_for(self, method: str, args: dict[str, Any]) -> str:
        channel = str(args.get("channel") or args.get("channel_id") or "")
        if not channel and method == "files.info":
            f = self._files.get(str(args.get("file") or ""))
            channel = next(iter(f.obj.get("channels") or []), "") if f else ""
        return self.team_of(channel)

    def _over_tier(self, method: str, args: dict[str, Any]) -> int | None:
        """None when the call may go on; else the Retry-After (s) of its 429."""
        tiers = self.tiers
        if tiers is None:
            return None
        team = self._team_for(method, args)
        if method == "chat.postMessage":
            key: tuple[str, ...] = (team, method, str(args.get("channel") or ""))
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
