"""The PostgreSQL store: StoreProtocol on psycopg 3 (async) with a psycopg_pool connection pool.

Method for method the SQLite Store (sqlite.py): same return types, same semantics, team_id in
every key. Where SQLite serialises on one thread, PostgreSQL takes concurrent callers itself:
uniqueness (dedupe keys, seen keys) is `INSERT ... ON CONFLICT DO NOTHING` and its row count, a
claim is one conditional UPDATE. Connections are autocommit; multi-statement writes run in an
explicit transaction. After a forget, VACUUM reclaims the deleted rows' space so the text does not
stay readable in dead tuples. The URL's password never reaches a log line or an error: `safe_url`.
psycopg: https://www.psycopg.org/psycopg3/docs/advanced/async.html ; pool:
https://www.psycopg.org/psycopg3/docs/advanced/pool.html
"""

from __future__ import annotations

import json
import time

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from bot.core.transcript import Transcript
from bot.edges.store.postgres_more import PgMore, index_transcript
from bot.edges.store.postgres_privacy import upsert_sql
from bot.edges.store.postgres_schema import migrate
from bot.edges.store.postgres_votes import PgVotes
from bot.edges.store.rows import check_key
from bot.errors import ConfigError

POOL_MAX = 10
CONNECT_TIMEOUT_S = 10


def safe_url(url: str) -> str:
    """The connection string without its password, for logs and errors."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparseable URL)"
    params.pop("password", None)
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


class PgStore(PgMore, PgVotes):
    """Recordings, transcripts, recaps, jobs, follow-ups in PostgreSQL; open once, share, close."""

    def __init__(self, pool: AsyncConnectionPool, url: str) -> None:
        self._pool = pool
        self.url = safe_url(url)
        self._closed = False

    @classmethod
    async def open(cls, url: str, *, max_size: int = POOL_MAX) -> PgStore:
        """Connect (failing with a ConfigError naming the URL without its password), migrate."""
        try:  # one connection first: a wrong URL fails at once, not after the pool's retries
            async with await psycopg.AsyncConnection.connect(
                    url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
                await migrate(conn)
            pool = AsyncConnectionPool(url, min_size=1, max_size=max_size, open=False,
                                       kwargs={"autocommit": True, "row_factory": dict_row})
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except ConfigError:
            raise
        except Exception as exc:  # psycopg's, the pool's time-out: the URL is the cause
            raise ConfigError(f"Cannot use the database at DATABASE_URL ({safe_url(url)}): "
                              f"{type(exc).__name__}.") from None
        return cls(pool, url)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._pool.close()

    # transcripts

    async def find_transcript(self, source_key: str) -> Transcript | None:
        row = await self._one(
            "SELECT t.data FROM recordings r JOIN transcripts t ON t.id = r.transcript_id "
            "WHERE r.source_key = %s", [source_key])
        return Transcript.from_dict(json.loads(row["data"])) if row else None

    async def get_transcript(self, transcript_id: str) -> Transcript | None:
        row = await self._one("SELECT data FROM transcripts WHERE id = %s", [transcript_id])
        return Transcript.from_dict(json.loads(row["data"])) if row else None

    async def save_transcript(self, source_key: str, team_id: str, name: str,
                              transcript: Transcript) -> None:
        check_key(source_key, team_id)
        now = time.time()
        t = {"id": transcript.id, "team_id": team_id, "data": json.dumps(transcript.to_dict()),
             "duration_ms": transcript.duration_ms, "language": transcript.language,
             "created_at": now}
        r = {"source_key": source_key, "team_id": team_id, "name": name,
             "transcript_id": transcript.id, "created_at": now}
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute(upsert_sql("transcripts", "id", list(t)),  # type: ignore[arg-type]
                               list(t.values()))
            await conn.execute(upsert_sql("recordings", "source_key", list(r)),  # type: ignore[arg-type]
                               list(r.values()))
            await index_transcript(conn, team_id, transcript)

    async def link_recording(self, source_key: str, team_id: str, name: str,
                             transcript_id: str) -> None:
        check_key(source_key, team_id)
        r = {"source_key": source_key, "team_id": team_id, "name": name,
             "transcript_id": transcript_id, "created_at": time.time()}
        await self._all(upsert_sql("recordings", "source_key", list(r)), list(r.values()))

    async def find_transcript_id(self, source_key: str) -> str | None:
        row = await self._one("SELECT transcript_id FROM recordings WHERE source_key = %s",
                              [source_key])
        return row["transcript_id"] if row else None

    # across processes (postgres_notify.py, postgres_window.py)

    async def notify(self, channel: str, payload: str) -> None:
        """`NOTIFY channel, payload` (pg_notify: both as parameters, nothing spliced in)."""
        await self._all("SELECT pg_notify(%s, %s)", [channel, payload])

    async def take_slot(self, key: str, limit: int, period: float) -> float:
        """One request in `key`'s shared window (postgres_window.V6's recap_take_slot): when
        taken, minus its database time; else the seconds until a place frees (> 0)."""
        row = await self._one("SELECT recap_take_slot(%s, %s, %s) AS wait", [key, limit, period])
        return float(row["wait"]) if row else 0.0

    async def shift_slot(self, key: str, old: float, new: float) -> None:
        """Move a request of `key`'s shared window from time `old` to `new` (see take_slot)."""
        await self._count("UPDATE rate_window SET at = %s WHERE key = %s AND at = %s",
                          [new, key, old])
