"""The PostgreSQL store's statement helpers, forgetting and meta (a part of PgStore).

Forgetting deletes in one transaction, then VACUUMs the tables so the deleted rows' text does not
wait in dead tuples. Every method mirrors sqlite.py's of the same name.
"""

from __future__ import annotations

import time
from typing import Any

from psycopg_pool import AsyncConnectionPool

from bot.edges.store.rows import thread_key

_FORGET_TABLES = [("jobs", "transcript_id"), ("recaps", "transcript_id"),
                  ("speaker_names", "transcript_id"), ("passages", "transcript_id"),
                  ("votes", "transcript_id"),
                  ("recordings", "transcript_id"), ("transcripts", "id")]


def upsert_sql(table: str, key: str, cols: list[str]) -> str:
    """Insert, or update every column but the key and created_at (the retention clock)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in (key, "created_at"))
    return (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}")


class PgQueries:
    """The pool and three ways to run one statement on it."""

    _pool: AsyncConnectionPool

    async def _all(self, sql: str, args: Any = None) -> list[dict[str, Any]]:
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql, args)  # type: ignore[arg-type]
            return list(await cur.fetchall()) if cur.description else []  # type: ignore[arg-type]

    async def _one(self, sql: str, args: Any = None) -> dict[str, Any] | None:
        rows = await self._all(sql, args)
        return rows[0] if rows else None

    async def _count(self, sql: str, args: Any = None) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql, args)  # type: ignore[arg-type]
            return cur.rowcount

    async def _vacuum(self) -> None:
        """Reclaim deleted rows now, so forgotten text does not wait in dead tuples."""
        await self._all("VACUUM jobs, followups, recaps, recordings, transcripts, speaker_names, "
                        "passages, votes")


class PgPrivacy(PgQueries):
    # privacy

    async def forget_transcript(self, transcript_id: str) -> list[str]:
        async with self._pool.connection() as conn, conn.transaction():
            cur = await conn.execute("SELECT source_key FROM recordings WHERE transcript_id = %s",
                                     [transcript_id])
            keys = [r["source_key"] for r in await cur.fetchall()]  # type: ignore[call-overload]
            await conn.execute(
                "INSERT INTO forgotten (key, created_at) SELECT DISTINCT team_id || ':' || "
                "channel || ':' || thread_ts, %s FROM jobs WHERE transcript_id = %s AND "
                "thread_ts IS NOT NULL ON CONFLICT (key) DO NOTHING", [time.time(), transcript_id])
            for table, column in _FORGET_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE {column} = %s",  # type: ignore[arg-type]
                                   [transcript_id])
        await self._vacuum()
        return keys

    async def expired_transcripts(self, older_than: float) -> list[str]:
        rows = await self._all(
            "SELECT id FROM transcripts WHERE created_at < %(t)s UNION "
            "SELECT r.transcript_id FROM recordings r LEFT JOIN transcripts t "
            "ON t.id = r.transcript_id WHERE t.id IS NULL AND r.transcript_id IS NOT NULL "
            "AND r.created_at < %(t)s", {"t": older_than})
        return [r["id"] for r in rows]

    async def forget_job(self, job_id: int) -> None:
        async with self._pool.connection() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO forgotten (key, created_at) SELECT team_id || ':' || channel || ':' "
                "|| thread_ts, %s FROM jobs WHERE id = %s AND thread_ts IS NOT NULL "
                "ON CONFLICT (key) DO NOTHING", [time.time(), job_id])
            await conn.execute("DELETE FROM votes WHERE job_id = %s", [job_id])
            await conn.execute("DELETE FROM jobs WHERE id = %s", [job_id])
        await self._vacuum()

    async def is_forgotten(self, team_id: str, channel: str, thread_ts: str) -> bool:
        key = thread_key(team_id, channel, thread_ts)
        return await self._one("SELECT key FROM forgotten WHERE key = %s", [key]) is not None

    # meta

    async def get_meta(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM meta WHERE key = %s", [key])
        return row["value"] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._count(upsert_sql("meta", "key", ["key", "value"]), [key, value])

    async def integrity_ok(self) -> bool:
        return await self._one("SELECT 1 AS ok") == {"ok": 1}
