"""`recap doctor` with DATABASE_URL: the PostgreSQL database and the procrastinate queue.

Read only: doctor connects once, reads the schema version and the queue's tables, and changes
nothing (no migration: that is `recap migrate`'s, or the first start's). The URL's password is in
no line (safe_url). A worker counts as alive while its heartbeat (procrastinate_workers.
last_heartbeat) is younger than the stalled-worker timeout `recap worker` uses, 3 x
WORKER_HEARTBEAT; jobs waiting with no worker alive fail the check, since nothing will run them.
procrastinate's tables: procrastinate/sql/schema.sql (procrastinate_jobs.status, _workers).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import psycopg

from bot.config import Config
from bot.edges.store.postgres import CONNECT_TIMEOUT_S, safe_url
from bot.edges.store.postgres_schema import MIGRATIONS
from bot.worker import STALLED_HEARTBEATS

STATUSES = ("todo", "doing", "failed")


class Check(NamedTuple):
    """One report line, as bot.cli.doctor.Check (which imports this module, not the reverse)."""

    name: str
    status: str
    detail: str


async def check_postgres(config: Config) -> list[Check]:
    """The Database line (connects, schema version vs this Recap's) and the Queue line."""
    assert config.database_url
    where = safe_url(config.database_url)
    try:
        async with await psycopg.AsyncConnection.connect(
                config.database_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            database = await _schema(conn, where)
            queue = await _queue(conn, config.worker_heartbeat * STALLED_HEARTBEATS)
    except psycopg.Error as error:
        return [Check("Database", "FAIL", f"DATABASE_URL ({where}) does not connect "
                      f"({type(error).__name__}): check the host, port, user and password.")]
    return [database, queue]


async def _value(conn: psycopg.AsyncConnection[Any], sql: str) -> Any:
    row = await (await conn.execute(sql)).fetchone()  # type: ignore[arg-type]
    return row[0] if row else None


async def _schema(conn: psycopg.AsyncConnection[Any], where: str) -> Check:
    code = len(MIGRATIONS)
    if not await _value(conn, "SELECT to_regclass('recap_schema_version') IS NOT NULL"):
        return Check("Database", "ok", f"PostgreSQL at {where} connects; Recap's schema (v{code}) "
                     "is applied by `recap migrate` or the first start")
    version = int(await _value(conn, "SELECT max(version) FROM recap_schema_version") or 0)
    if version > code:
        return Check("Database", "FAIL", f"PostgreSQL at {where}: the schema is v{version}, "
                     f"newer than this Recap's (v{code}): upgrade Recap before running it here.")
    state = "up to date" if version == code else "older: `recap migrate` brings it up to date"
    return Check("Database", "ok", f"PostgreSQL at {where}; schema v{version} of v{code}, {state}")


async def _queue(conn: psycopg.AsyncConnection[Any], stalled_after: float) -> Check:
    if not await _value(conn, "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"):
        return Check("Queue", "ok", "procrastinate's schema is applied by `recap migrate` or "
                     "the first start")
    cur = await conn.execute(
        "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")  # Recap's one task
    counts = {status: int(n) for status, n in await cur.fetchall()}
    cur = await conn.execute(
        "SELECT count(*) FILTER (WHERE last_heartbeat >= now() - make_interval(secs => %s)), "
        "count(*) FILTER (WHERE last_heartbeat < now() - make_interval(secs => %s)) "
        "FROM procrastinate_workers", [stalled_after, stalled_after])
    row = await cur.fetchone()
    alive, stalled = (int(row[0]), int(row[1])) if row else (0, 0)
    jobs = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
    workers = f"{alive} worker(s) alive" + (f", {stalled} stalled (their jobs are retried by "
                                            "the others)" if stalled else "")
    if (counts.get("todo", 0) or counts.get("doing", 0)) and not alive:
        return Check("Queue", "FAIL", f"{workers}; jobs: {jobs}; none will run: start "
                     "`recap worker` (with the same DATABASE_URL).")
    return Check("Queue", "ok", f"{workers}; jobs: {jobs}")
