"""A sliding-window rate limit whose requests are dated by when their bytes went out.

The LLM Gateway allows so many requests in any window of so many seconds; RateWindow keeps a
client inside that rule however many callers share it. aiohttp's trace hooks (`tracing`) tell
each request's Slot when it was actually written.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Protocol

import aiohttp

from bot.edges.turns import Turns


class Window(Protocol):
    """What the LLM edge waits on before each request: RateWindow, or with DATABASE_URL the
    window all processes share (bot.edges.store.postgres_window.SharedWindow)."""

    async def acquire(self) -> Slot: ...


class RateWindow:
    """At most `limit` requests in any `period` seconds, bursts allowed: the Gateway's rule.

    Not aiolimiter's leaky bucket: after its initial burst of `limit` it lets one more through
    every period/limit seconds, up to 2 x limit in one window, which a windowed server refuses.
    A slot is dated when its request has actually been written (`Slot.sent`), not when it was
    taken: a busy event loop can hold a request back for a while after that, and the server
    counts it when it arrives. A small margin covers what is left (network, reordering);
    `margin` sets it where more can be late (a test's loopback server on a loaded machine).
    """

    def __init__(self, limit: int, period: float, margin: float | None = None) -> None:
        self._limit, self._period = max(1, limit), period
        self._margin = window_margin(period, margin)
        self._sent: deque[Slot] = deque()
        self._turns = Turns(1)  # one caller at a time, by turn (bot.edges.turns)

    async def acquire(self) -> Slot:
        async with self._turns:
            loop = asyncio.get_running_loop()
            while True:
                now = loop.time()
                while self._sent and self._sent[0].at <= now - self._period - self._margin:
                    self._sent.popleft()
                if len(self._sent) < self._limit:
                    slot = Slot(now)
                    self._sent.append(slot)
                    return slot
                await asyncio.sleep(self._sent[0].at + self._period + self._margin - now)


def window_margin(period: float, margin: float | None = None) -> float:
    """Seconds added to each window: `margin` if given, else 10 ms of network and reordering
    plus 2 % of the window for clock drift."""
    return 0.01 + 0.02 * period if margin is None else max(0.0, margin)


@dataclass
class Slot:
    """One request's place in the window, dated by the last write of its bytes."""

    at: float

    def sent(self) -> None:
        self.at = max(self.at, asyncio.get_running_loop().time())


async def _written(_: object, context: SimpleNamespace, __: object) -> None:
    """aiohttp trace hook: the request's headers or a piece of its body went out."""
    if isinstance(context.trace_request_ctx, Slot):
        context.trace_request_ctx.sent()


def tracing() -> aiohttp.TraceConfig:
    """The session's trace config: pass a Slot as `trace_request_ctx` to have it dated."""
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_written)
    trace.on_request_chunk_sent.append(_written)
    return trace
