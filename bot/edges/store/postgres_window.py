"""The LLM rate limit past one process: one sliding window per model, kept in PostgreSQL.

The LLM Gateway's limit is per account and model, not per process: N workers each keeping their
own RateWindow would send N x LLM_RPM. SharedWindow keeps them together inside LLM_RPM per
LLM_RATE_PERIOD. Each request costs one round trip: `SELECT recap_take_slot(key, limit, period)`,
a PL/pgSQL function (migration V6) that takes a transaction-level advisory lock on the key,
drops the key's times older than the period, and either records now (returns 0) or returns the
seconds until the oldest time leaves the window. Times are the database's clock, so processes on
machines whose clocks differ still agree. The table holds at most `limit` rows per key.
A local RateWindow is taken first: it dates the request by when its bytes went out (a busy event
loop cannot make this process overrun) and queues this process's callers, so one at a time asks
the database. A request written later than half the margin after its grant moves its shared
time too (`redate`, a second round trip only then), so a late one cannot let the next window
open early for the other processes. If the database cannot be reached, the local window alone
applies (a warning; the LLM edge's 429 handling covers the rest) rather than failing every
summary.
PostgreSQL: https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import psycopg

from bot.edges.rate_window import RateWindow, Slot
from bot.edges.turns import Turns

if TYPE_CHECKING:
    from bot.edges.store.postgres import PgStore

log = logging.getLogger(__name__)
# Between the grant and the server's count: another machine's network path, the server's own
# queue (seen: 0.2 s at a busy Gateway simulator). Added to the period (1.45 s at 60 s).
MARGIN_FLOOR_S = 0.25

V6 = [
    """CREATE TABLE rate_window (key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX ON rate_window (key, at)",
    """CREATE OR REPLACE FUNCTION recap_take_slot(p_key TEXT, p_limit INTEGER,
    p_period DOUBLE PRECISION) RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
    DECLARE
        now_s DOUBLE PRECISION;
        taken INTEGER;
        oldest DOUBLE PRECISION;
    BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('recap-rate:' || p_key));
        now_s := extract(epoch FROM clock_timestamp());
        DELETE FROM rate_window WHERE key = p_key AND at <= now_s - p_period;
        SELECT count(*), min(at) INTO taken, oldest FROM rate_window WHERE key = p_key;
        IF taken < p_limit THEN
            INSERT INTO rate_window (key, at) VALUES (p_key, now_s);
            RETURN -now_s;
        END IF;
        RETURN GREATEST(oldest + p_period - now_s, 0.001);
    END $$""",
]


class SharedWindow:
    """At most `limit` requests in any `period` s for every process sharing `key` and the
    database; the RateWindow interface (`acquire() -> Slot`)."""

    def __init__(self, store: PgStore, key: str, limit: int, period: float) -> None:
        self._store, self._key = store, key
        self._local = RateWindow(limit, period)
        self._limit, self._period = max(1, limit), period
        # RateWindow's, plus MARGIN_FLOOR_S: requests from other machines, other routes.
        self.margin = MARGIN_FLOOR_S + 0.02 * period
        self._turns = Turns(1)  # this process asks the database one caller at a time
        self._grants = SharedBudgets(store)  # moves a late grant in the background
        self.waits = self.redated = 0  # times the window was full; grants moved to the send

    async def acquire(self) -> Slot:
        local = await self._local.acquire()
        async with self._turns:
            while True:
                try:
                    answer = await self._store.take_slot(self._key, self._limit,
                                                         self._period + self.margin)
                except psycopg.Error as error:
                    log.warning("the shared LLM rate window is unavailable (%s); this process "
                                "keeps its own", type(error).__name__)
                    return local
                if answer <= 0:
                    return SharedSlot(local.at, self, local, -answer)
                self.waits += 1
                await asyncio.sleep(min(answer, self._period + self.margin))

    def redate(self, old: float, new: float) -> None:
        """A grant stored at database time `old` went out late: count it from `new` (the
        server counts arrivals). Only a late request costs this second round trip."""
        self._grants.redate(self._key, old, new)
        self.redated += 1


class SharedSlot(Slot):
    """A request's place in the shared window and in this process's own (`local`)."""

    def __init__(self, at: float, window: SharedWindow, local: Slot, db_at: float) -> None:
        super().__init__(at)
        self.granted, self.window, self.local, self.db_at = at, window, local, db_at
        self.shifted = 0.0

    def sent(self) -> None:
        self.local.sent()
        super().sent()
        lag = self.at - self.granted
        if lag - self.shifted > self.window.margin / 2:
            self.window.redate(self.db_at + self.shifted, self.db_at + lag)
            self.shifted = lag


class SharedBudgets:
    """Slack's budgets (bot.edges.slack_limits) kept for every process on the database, in
    the same table and function as the LLM window: one key per workspace and method, or per
    channel for chat.postMessage (SharedWindow moves its late grants through it too). If the
    database cannot be reached, each process keeps its own count (a warning; Slack's 429 and
    its Retry-After cover the rest)."""

    def __init__(self, store: PgStore) -> None:
        self._store = store
        self._redating: set[asyncio.Task[None]] = set()

    async def take(self, key: str, limit: int, period: float) -> float:
        try:
            return await self._store.take_slot(key, limit, period)
        except psycopg.Error as error:
            log.warning("the shared Slack budgets are unavailable (%s); this process keeps "
                        "its own", type(error).__name__)
            return 0.0

    def redate(self, key: str, old: float, new: float) -> None:
        task = asyncio.create_task(self._moved(key, old, new))
        self._redating.add(task)
        task.add_done_callback(self._redating.discard)

    async def _moved(self, key: str, old: float, new: float) -> None:
        try:
            await self._store.shift_slot(key, old, new)
        except psycopg.Error as error:  # the grant keeps its first time: one call counted early
            log.warning("could not move a shared grant (%s)", type(error).__name__)
