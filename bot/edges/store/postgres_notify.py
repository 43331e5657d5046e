"""Webhook mode past one process: a completed transcript announced on PostgreSQL LISTEN/NOTIFY.

With DATABASE_URL the web process that receives AssemblyAI's webhook is rarely the `recap worker`
waiting on that transcript. The web process runs `NOTIFY recap_transcripts, '<transcript_id>'`
(`publish`); each worker process keeps ONE connection LISTENing on that channel (`Listener`) and
resolves the waiting job's future in Deps.completions, so the job fetches the result at once.
A notification is not stored by PostgreSQL: one sent while a worker is reconnecting is lost. So
when LISTEN is back in place after a loss, every job of this process still waiting is woken
(RELISTENED) to look once for itself, and keeps polling on its expected schedule if it is not
done; a job of a worker that was down is resumed, and a resumed job looks once at start.
Payloads are transcript ids (ASCII, far under NOTIFY's 8000-byte limit).
PostgreSQL: https://www.postgresql.org/docs/current/sql-notify.html (and sql-listen.html);
psycopg 3: https://www.psycopg.org/psycopg3/docs/advanced/async.html#asynchronous-notifications
(`AsyncConnection.notifies(timeout=)`, psycopg 3.2+; autocommit, or notifications wait for the
transaction's end).
"""

from __future__ import annotations

import asyncio
import logging

import psycopg

from bot.edges.store.postgres import PgStore, safe_url
from bot.edges.store.protocol import StoreProtocol

log = logging.getLogger(__name__)
CHANNEL = "recap_transcripts"
MAX_PAYLOAD = 8000 - 1  # NOTIFY's limit in bytes, in the default configuration
RECONNECT_S = (0.5, 30.0)  # first and longest pause before listening again
KEEPALIVE_S = 30.0  # a LISTEN connection dropped silently (a NAT, a failover) is found by then
NOTIFIED = "notified"  # the result a woken future carries (the job GETs the real status)
RELISTENED = "relistened"  # ... and the one after a reconnect: a NOTIFY may have been missed


async def publish(store: StoreProtocol, transcript_id: str) -> None:
    """Tell every worker that `transcript_id` is finished (one `SELECT pg_notify`)."""
    if not isinstance(store, PgStore):
        raise TypeError("publish needs the PostgreSQL store (DATABASE_URL)")
    if len(transcript_id.encode()) > MAX_PAYLOAD:
        raise ValueError("transcript id too long for NOTIFY")
    await store.notify(CHANNEL, transcript_id)


class Listener:
    """One LISTEN connection per process; `run()` until cancelled, reconnecting after a loss.

    `ready` is set once LISTEN is in place (each time after a reconnect), so a worker takes no
    job before a completion could reach it.
    """

    def __init__(self, url: str, completions: dict[str, asyncio.Future[str]]) -> None:
        self.url, self.completions = url, completions
        self.ready = asyncio.Event()
        self.woken = self.listens = 0  # futures resolved; times LISTEN was put in place

    async def run(self) -> None:
        pause = RECONNECT_S[0]
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url,
                                                                 autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listens += 1
                    if self.listens > 1:  # what came while it was cut off is gone: look
                        self.wake_all(RELISTENED)
                    self.ready.set()
                    pause = RECONNECT_S[0]
                    while True:  # a silent connection is checked every KEEPALIVE_S
                        async for note in conn.notifies(timeout=KEEPALIVE_S):
                            self.wake(note.payload)
                        await conn.execute("SELECT 1")
            except psycopg.Error as error:
                self.ready.clear()
                log.warning("lost the LISTEN connection to %s (%s); listening again in %.1f s",
                            safe_url(self.url), type(error).__name__, pause)
            await asyncio.sleep(pause)
            pause = min(RECONNECT_S[1], pause * 2)

    def wake(self, transcript_id: str, why: str = NOTIFIED) -> bool:
        """Resolve the future of a job in this process waiting on `transcript_id`, if any."""
        future = self.completions.get(transcript_id)
        if future is None or future.done():
            return False
        future.set_result(why)
        self.woken += 1
        return True

    def wake_all(self, why: str) -> int:
        """Every waiting job of this process looks for itself (after a reconnect)."""
        return sum(self.wake(transcript_id, why) for transcript_id in list(self.completions))
