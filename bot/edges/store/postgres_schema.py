"""The PostgreSQL store's tables and migrations, mirroring schema.py's SQLite tables.

Same tables and columns as SQLite (see schema.py for what each holds); JSON stays in TEXT columns
so rows.py converts rows the same way for both backends. Ids are identity columns backed by a
sequence, which never hands out a number twice: a forgotten job's id (in old Slack buttons) never
names another job, like SQLite's AUTOINCREMENT. The version lives in one row of
recap_schema_version; MIGRATIONS run in order, each once, under an advisory lock so two processes
starting together do not migrate twice; a database made by a newer Recap is refused with a
ConfigError. Times are DOUBLE PRECISION unix seconds.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import tuple_row

from bot.edges.store.postgres_more import V3, V4
from bot.edges.store.postgres_votes import V5
from bot.edges.store.postgres_window import V6
from bot.edges.store.schema import JOB_STATES
from bot.errors import ConfigError

_STATES = ", ".join(f"'{s}'" for s in JOB_STATES)

_V1 = [
    """CREATE TABLE recordings (source_key TEXT PRIMARY KEY, team_id TEXT NOT NULL, name TEXT,
    transcript_id TEXT, created_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE transcripts (id TEXT PRIMARY KEY, team_id TEXT NOT NULL, data TEXT NOT NULL,
    duration_ms BIGINT, language TEXT, created_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE recaps (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cache_key TEXT NOT NULL UNIQUE, transcript_id TEXT NOT NULL, team_id TEXT NOT NULL,
    style TEXT NOT NULL, data TEXT NOT NULL, judge TEXT, created_at DOUBLE PRECISION NOT NULL)""",
    f"""CREATE TABLE jobs (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL, channel TEXT NOT NULL DEFAULT '',
    thread_ts TEXT, message_ts TEXT, user_id TEXT, source TEXT NOT NULL DEFAULT '{{}}',
    style TEXT NOT NULL DEFAULT 'topics', instructions TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ({_STATES})),
    transcript_id TEXT, upload_url TEXT, status_ts TEXT, recap_id BIGINT, error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE followups (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id BIGINT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, question TEXT NOT NULL,
    answer TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)""",
    "CREATE TABLE seen (key TEXT PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    *(f"CREATE INDEX ON {table} ({column})" for table, column in [
        ("recordings", "transcript_id"), ("transcripts", "created_at"),
        ("recaps", "transcript_id"), ("jobs", "transcript_id"), ("jobs", "state"),
        ("jobs", "team_id"), ("followups", "job_id"), ("seen", "created_at")]),
]
_V2 = ["CREATE TABLE forgotten (key TEXT PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL)"]

MIGRATIONS: list[list[str]] = [_V1, _V2, V3, V4, V5, V6]
_LOCK_ID = 0x5245434150  # "RECAP": one advisory lock id for migrations


async def schema_version(conn: AsyncConnection[Any]) -> int:
    await conn.execute("CREATE TABLE IF NOT EXISTS recap_schema_version (version INTEGER NOT NULL)")
    cur = conn.cursor(row_factory=tuple_row)
    row = await (await cur.execute("SELECT version FROM recap_schema_version")).fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: AsyncConnection[Any]) -> None:
    """Run the migrations this database has not seen; refuse one made by a newer Recap."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        version = await schema_version(conn)
        if version > len(MIGRATIONS):
            raise ConfigError(
                f"The database's schema is v{version}, newer than this Recap's "
                f"(v{len(MIGRATIONS)}): upgrade Recap before running it on this database.")
        for statements in MIGRATIONS[version:]:
            for sql in statements:
                await conn.execute(sql)  # type: ignore[arg-type]
        if version == 0:
            await conn.execute("INSERT INTO recap_schema_version VALUES (%s)", [len(MIGRATIONS)])
        elif version < len(MIGRATIONS):
            await conn.execute("UPDATE recap_schema_version SET version = %s", [len(MIGRATIONS)])
