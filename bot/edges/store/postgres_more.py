"""The PostgreSQL store's newer rows: speaker names, the full-text index, failed links.

Mirrors sqlite.py's methods of the same names. The index is PostgreSQL's own full-text search
(a `tsvector` column with a GIN index, ranked by ts_rank) over the same overlapping windows of
utterances as SQLite's FTS5 (bot.core.retrieval.passages); the query arrives in FTS5's quoted
form (bot.core.retrieval.fts_query) and its words become a `|` tsquery, each word being \\w+
only, so nothing a person typed is tsquery syntax.
"""

from __future__ import annotations

import re
import time
from typing import Any

from psycopg import AsyncConnection

from bot.core.retrieval import Passage, passages
from bot.core.transcript import Transcript
from bot.edges.store.postgres_rows import PgRows
from bot.edges.store.rows import Job

_QUOTED = re.compile(r'"(\w+)"')


async def index_transcript(conn: AsyncConnection[Any], team_id: str,
                           transcript: Transcript) -> None:
    """The transcript's passages in the index, replacing any it had (in the caller's
    transaction)."""
    await conn.execute("DELETE FROM passages WHERE transcript_id = %s", [transcript.id])
    rows = [(p.transcript_id, team_id, p.start_ms, " ".join(p.speakers), p.text)
            for p in passages(transcript.id, transcript.utterances)]
    if rows:
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO passages (transcript_id, team_id, start_ms, speakers, text) "
                "VALUES (%s, %s, %s, %s, %s)", rows)


class PgMore(PgRows):
    """PgStore's rows beyond the first schema (v3, v4)."""

    async def unlink_recording(self, source_key: str, transcript_id: str) -> None:
        await self._all("DELETE FROM recordings WHERE source_key = %s AND transcript_id = %s",
                        [source_key, transcript_id])

    async def set_speaker_names(self, team_id: str, transcript_id: str, channel: str,
                                names: dict[str, str]) -> None:
        now = time.time()
        for label, name in names.items():
            if not name:
                await self._all("DELETE FROM speaker_names WHERE team_id = %s AND "
                                "transcript_id = %s AND label = %s",
                                [team_id, transcript_id, label])
                continue
            await self._all(
                "INSERT INTO speaker_names (team_id, transcript_id, label, name, channel, "
                "created_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (team_id, "
                "transcript_id, label) DO UPDATE SET name = excluded.name, "
                "channel = excluded.channel, created_at = excluded.created_at",
                [team_id, transcript_id, label, name, channel, now])

    async def speaker_names(self, team_id: str, transcript_id: str) -> dict[str, str]:
        rows = await self._all("SELECT label, name FROM speaker_names WHERE team_id = %s AND "
                               "transcript_id = %s", [team_id, transcript_id])
        return {r["label"]: r["name"] for r in rows}

    async def channel_speaker_names(self, team_id: str, channel: str,
                                    limit: int = 50) -> list[str]:
        rows = await self._all(
            "SELECT name, MAX(created_at) AS at FROM speaker_names WHERE team_id = %s AND "
            "channel = %s GROUP BY name ORDER BY at DESC LIMIT %s", [team_id, channel, limit])
        return [r["name"] for r in rows]

    async def search_passages(self, team_id: str, query: str, *, transcript_id: str | None = None,
                              channel: str | None = None, limit: int = 20) -> list[Passage]:
        words = _QUOTED.findall(query)
        if not words:
            return []
        where, args = ["tsv @@ to_tsquery('simple', %s)", "team_id = %s"], [
            " | ".join(words), team_id]
        if transcript_id is not None:
            where.append("transcript_id = %s")
            args.append(transcript_id)
        if channel is not None:
            where.append("transcript_id IN (SELECT transcript_id FROM jobs WHERE team_id = %s "
                         "AND channel = %s AND transcript_id IS NOT NULL)")
            args += [team_id, channel]
        rows = await self._all(
            "SELECT transcript_id, start_ms, speakers, text FROM passages WHERE "
            f"{' AND '.join(where)} ORDER BY ts_rank(tsv, to_tsquery('simple', %s)) DESC, "
            "start_ms LIMIT %s", [*args, " | ".join(words), limit])
        return [Passage(r["transcript_id"], int(r["start_ms"]), tuple(r["speakers"].split()),
                        r["text"]) for r in rows]

    async def recording_of(self, team_id: str, transcript_id: str) -> Job | None:
        jobs = await self._jobs("team_id = %s AND transcript_id = %s", [team_id, transcript_id],
                                "ORDER BY id LIMIT 1")
        return jobs[0] if jobs else None

    async def recording_name(self, transcript_id: str) -> str | None:
        row = await self._one("SELECT name FROM recordings WHERE transcript_id = %s "
                              "ORDER BY created_at LIMIT 1", [transcript_id])
        return str(row["name"]) if row and row["name"] else None


V3 = [
    """CREATE TABLE speaker_names (team_id TEXT NOT NULL, transcript_id TEXT NOT NULL,
    label TEXT NOT NULL, name TEXT NOT NULL, channel TEXT, created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (team_id, transcript_id, label))""",
    "CREATE INDEX ON speaker_names (team_id, channel)",
    "ALTER TABLE jobs ADD COLUMN recap_ts TEXT",
]
V4 = [
    """CREATE TABLE passages (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transcript_id TEXT NOT NULL, team_id TEXT NOT NULL, start_ms BIGINT NOT NULL,
    speakers TEXT NOT NULL, text TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED)""",
    "CREATE INDEX ON passages USING GIN (tsv)",
    "CREATE INDEX ON passages (transcript_id)",
]
