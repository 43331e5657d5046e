"""Who goes first when LLM calls queue: a person waiting on an answer, then recap jobs in the
order they started.

First come, first served hands out every job's first calls (the map over its parts) before any
job's last one (the reduce that finishes it): twenty recordings shared at once then all finish
together at the end of the burst, and a question asked meanwhile waits behind every one of
them. `Turns` is a semaphore whose waiters go in the order of `TURN` (lower first, then by
arrival): a job sets its id (bot.slack_app.job_steps), so an older job's reduce goes before a
newer job's maps, and every other call (a follow-up answer, the CLI) keeps the default 0 and
goes first. A turn never takes a place from a call that already holds one.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from contextvars import ContextVar
from types import TracebackType

TURN: ContextVar[float] = ContextVar("llm_turn", default=0.0)


class Turns:
    """At most `places` holders at once; a waiter is let in by `TURN`, then by arrival."""

    def __init__(self, places: int = 1) -> None:
        self._free = max(1, places)
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    async def __aenter__(self) -> None:
        if self._free > 0:  # a free place means nobody waits: _release hands places on
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (TURN.get(), next(self._arrivals), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # let in, then cancelled: pass it on
                self._release()
            raise

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter left its place
                future.set_result(None)
                return
        self._free += 1
