"""Slack's rate limits, kept on Recap's side: one budget per (team, method), shared by all jobs.

Slack counts each Web API method per workspace and app over a sliding minute (Tier 3: about 50
calls, Tier 4: about 100) and chat.postMessage per channel (about one a second, short bursts
allowed); over a limit it answers HTTP 429 with `Retry-After` (docs.slack.dev "Rate limits",
API-NOTES §3.7). Recap stays inside those counts so a 429 is rare: `take` waits its turn (first
come, first served), `try_take` never waits (for decoration such as reactions), and a 429 that
still arrives pauses the whole key for its Retry-After (`RateLimitRetry`), so no other job
calls that method in that workspace before Slack said it may.

Each call's slot is dated again when its answer comes back (`Slot.done`): Slack counted it on
arrival, somewhere between the two, and a busy event loop can hold a request back long after its
slot was taken. A small margin covers the rest.

Slack counts per workspace (and channel), not per process: with DATABASE_URL every process takes
each waiting call's place in the same budget in PostgreSQL as well (`Shared`, the LLM window's
recap_take_slot: bot.edges.store.postgres_window.SharedBudgets), so three workers post no faster
than one may. `try_take` (decoration, never waits) stays with this process's own count.
"""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

from bot.edges.rate_window import window_margin

log = logging.getLogger(__name__)

# Slack's tier of each method Recap calls (docs.slack.dev/reference/methods/<name>).
TIER_OF = {
    "chat.update": 3, "chat.delete": 3, "reactions.add": 3, "reactions.remove": 3,
    "conversations.replies": 3, "conversations.history": 3,
    "files.info": 4, "chat.postEphemeral": 4, "users.info": 4, "conversations.members": 4,
    "chat.startStream": 2, "chat.appendStream": 4, "chat.stopStream": 2,
}
POST = "chat.postMessage"


@dataclass(frozen=True)
class Tiers:
    """Calls per `period` seconds (Slack's minute): per team for tiers 2, 3 and 4, and
    `post_burst` chat.postMessage calls per channel in any `post_burst` seconds; `margin`
    seconds added to every window (None: RateWindow's default, a share of the window)."""

    tier3: int = 50
    tier4: int = 100
    post_burst: int = 5
    period: float = 60.0
    tier2: int = 20
    margin: float | None = None


class Shared(Protocol):
    """Budgets kept where every process sees them (PostgreSQL)."""

    async def take(self, key: str, limit: int, period: float) -> float:
        """A place in `key` taken: minus its database time (<= 0); else the seconds until one
        frees (> 0)."""
        ...

    def redate(self, key: str, old: float, new: float) -> None:
        """The call granted at database time `old` reached Slack late: count it from `new`."""
        ...


@dataclass
class Slot:
    """One call's place in a budget, dated by when it went out, then when it was answered."""

    at: float
    budget: Budget | None = field(default=None, repr=False)  # shared: its grant to redate
    db_at: float = 0.0  # the shared grant's database time
    granted: float = 0.0  # ... and this process's loop time then

    def done(self) -> None:
        self.at = max(self.at, asyncio.get_running_loop().time())
        budget = self.budget
        if budget is not None and budget.shared is not None:
            self.budget = None  # once
            lag = self.at - self.granted  # Slack counted it somewhere in there: say the end
            if lag > budget.margin / 2:
                budget.shared.redate(budget.key, self.db_at, self.db_at + lag)


class Budget:
    """At most `limit` calls in any `period` seconds, paused until a Retry-After has passed."""

    def __init__(self, limit: int, period: float, key: str = "",
                 shared: Shared | None = None, margin: float | None = None) -> None:
        self.limit, self.period = max(1, limit), period
        self.key, self.shared = key, shared
        self.margin = window_margin(period, margin)
        self.sent: list[Slot] = []  # at most `limit`: the calls of the last period
        self.paused_until = 0.0
        self.urgent = 0  # urgent takers waiting
        self._lock = asyncio.Lock()

    def _free_at(self, now: float) -> float:
        self.sent = [s for s in self.sent if s.at > now - self.period - self.margin]
        at = self.paused_until
        if len(self.sent) >= self.limit:
            at = max(at, min(s.at for s in self.sent) + self.period + self.margin)
        return at

    def _slot(self, now: float, db_at: float | None = None) -> Slot:
        slot = Slot(now) if db_at is None else Slot(now, self, db_at, now)
        self.sent.append(slot)
        return slot

    def try_take(self, keep: int = 0) -> Slot | None:
        """Take a call now if one is free with `keep` still left after it; never waits."""
        now = asyncio.get_running_loop().time()
        if (self._lock.locked() or self.urgent or self._free_at(now) > now
                or len(self.sent) + keep >= self.limit):
            return None
        return self._slot(now)

    async def take(self, *, urgent: bool = False) -> Slot:
        """Wait for a free call, in arrival order; `urgent` calls (a job's last word) go
        before every waiting call that is not."""
        loop = asyncio.get_running_loop()
        if urgent:
            self.urgent += 1
            try:
                while (at := self._free_at(now := loop.time())) > now:
                    await asyncio.sleep(at - now)
                return self._slot(loop.time(), await self._shared_turn())
            finally:
                self.urgent -= 1
        async with self._lock:
            while (at := self._free_at(now := loop.time())) > now or self.urgent:
                await asyncio.sleep(max(at - now, 0.005))
            return self._slot(loop.time(), await self._shared_turn())

    async def _shared_turn(self) -> float | None:
        """Until the budget every process shares has a place: its database time (None
        without one). The call's arrival at Slack is later, by this process's own delays, so
        a late one moves its shared time (Slot.done), and the next window does not open
        early for the other processes."""
        while self.shared is not None:
            wait = await self.shared.take(self.key, self.limit, self.period + self.margin)
            if wait <= 0:
                return -wait
            await asyncio.sleep(min(wait, self.period))
        return None

    def pause(self, seconds: float) -> None:
        until = asyncio.get_running_loop().time() + seconds
        self.paused_until = max(self.paused_until, until)


class SlackLimits:
    """Every budget of one app: per (team, method), and per channel for chat.postMessage."""

    def __init__(self, tiers: Tiers | None = None, shared: Shared | None = None) -> None:
        self.tiers = tiers or Tiers()
        self.shared = shared
        self.budgets: dict[tuple[str, ...], Budget] = {}
        self.ratelimited = 0  # 429s received

    def budget(self, team: str, method: str, channel: str = "") -> Budget | None:
        """The budget a call counts against (None: a method Recap does not pace)."""
        t = self.tiers
        if method == POST:  # channel ids are unique across workspaces: callers without a team
            key: tuple[str, ...] = (method, channel)  # share the channel's budget
            limit, period = t.post_burst, t.post_burst * t.period / 60
        elif method in TIER_OF:
            key, period = (team, method), t.period
            limit = {2: t.tier2, 3: t.tier3}.get(TIER_OF[method], t.tier4)
        else:
            return None
        if key not in self.budgets:
            if len(self.budgets) > 10_000:  # channels come and go: drop the idle ones
                self.budgets = {k: b for k, b in self.budgets.items() if b.sent}
            self.budgets[key] = Budget(limit, period, "slack " + " ".join(key), self.shared,
                                       t.margin)
        return self.budgets[key]


_calling: ContextVar[tuple[SlackLimits, Budget] | None] = ContextVar("slack_budget", default=None)


def calling(limits: SlackLimits, budget: Budget | None) -> Any:
    """Mark the current task's Web API call as counting against `budget` (for a 429)."""
    return _calling.set(None if budget is None else (limits, budget))


def done_calling(token: Any) -> None:
    _calling.reset(token)


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After, then retries), which also pauses the call's
    budget for that long, so every other job waits it out too."""

    async def prepare_for_next_attempt_async(self, **kwargs: Any) -> None:
        response = kwargs.get("response")
        if response is not None and (current := _calling.get()) is not None:
            limits, budget = current
            limits.ratelimited += 1
            header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"),
                          ["1"])
            try:
                seconds = float(header[0] if isinstance(header, list) else header)
            except ValueError:
                seconds = 1.0
            log.info("Slack said ratelimited; waiting %.0f s", seconds)
            budget.pause(seconds + 0.05)
        await super().prepare_for_next_attempt_async(**kwargs)
