"""The PostgreSQL store's recaps, jobs, follow-ups and seen keys.

Split from postgres.py (connection, pool, transcripts) and postgres_privacy.py (forgetting, meta,
the statement helpers) only to keep modules small; PgStore is one class.
Every method mirrors sqlite.py's of the same name (same return types and semantics).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import psycopg

from bot.core.recap import Recap
from bot.edges.store.postgres_privacy import PgPrivacy
from bot.edges.store.rows import Job, job_columns, job_from_row, recap_from_row
from bot.edges.store.schema import FINISHED_STATES

SEEN_TTL_S = 7 * 24 * 3600


class PgRows(PgPrivacy):
    # recaps

    async def find_recap(self, cache_key: str) -> tuple[int, Recap] | None:
        row = await self._one("SELECT * FROM recaps WHERE cache_key = %s", [cache_key])
        return (int(row["id"]), recap_from_row(row)) if row else None

    async def save_recap(self, cache_key: str, *, transcript_id: str, team_id: str, style: str,
                         recap: Recap) -> int:
        judge = json.dumps(recap.judge) if recap.judge is not None else None
        r = {"cache_key": cache_key, "transcript_id": transcript_id, "team_id": team_id,
             "style": style, "data": json.dumps(recap.to_dict()), "judge": judge,
             "created_at": time.time()}
        kept = [c for c in r if c not in ("cache_key", "created_at")]
        updates = ", ".join(f"{c} = excluded.{c}" for c in kept)
        row = await self._one(  # only while its transcript is there: one statement, no gap
            f"INSERT INTO recaps ({', '.join(r)}) SELECT {', '.join(['%s'] * len(r))} "
            "WHERE EXISTS (SELECT 1 FROM transcripts WHERE id = %s) ON CONFLICT (cache_key) "
            f"DO UPDATE SET {updates} RETURNING id", [*r.values(), transcript_id])
        if row is None:
            raise LookupError(f"no transcript {transcript_id}")
        return int(row["id"])

    async def get_recap(self, recap_id: int) -> Recap | None:
        row = await self._one("SELECT * FROM recaps WHERE id = %s", [recap_id])
        return recap_from_row(row) if row else None

    async def save_judge(self, recap_id: int, verdict: dict[str, Any]) -> None:
        await self._count("UPDATE recaps SET judge = %s WHERE id = %s",
                          [json.dumps(verdict), recap_id])

    # jobs

    async def _jobs(self, where: str, args: list[Any], tail: str = "") -> list[Job]:
        rows = await self._all(f"SELECT * FROM jobs WHERE {where} {tail}", args)
        return [job_from_row(row) for row in rows]

    async def create_job(self, *, dedupe_key: str, team_id: str, **fields: Any) -> tuple[Job, bool]:
        now = time.time()
        row = {**job_columns(fields), "dedupe_key": dedupe_key, "team_id": team_id,
               "created_at": now, "updated_at": now}
        cols = list(row)
        try:
            created = await self._count(
                f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))}) "
                "ON CONFLICT (dedupe_key) DO NOTHING", list(row.values())) == 1
        except psycopg.errors.NotNullViolation:
            created = False
        jobs = await self._jobs("dedupe_key = %s", [dedupe_key])
        if not jobs:
            raise ValueError(f"job {dedupe_key!r} was not stored (a required field missing?)")
        return jobs[0], created

    async def get_job(self, job_id: int) -> Job | None:
        jobs = await self._jobs("id = %s", [job_id])
        return jobs[0] if jobs else None

    async def update_job(self, job_id: int, **fields: Any) -> Job:
        values = {**job_columns(fields), "updated_at": time.time()}
        sets = ", ".join(f"{c} = %s" for c in values)
        row = await self._one(f"UPDATE jobs SET {sets} WHERE id = %s RETURNING *",
                              [*values.values(), job_id])
        if row is None:
            raise LookupError(f"no job {job_id}")
        return job_from_row(row)

    async def claim_job(self, job_id: int, from_states: Iterable[str], to_state: str) -> bool:
        olds = [from_states] if isinstance(from_states, str) else list(from_states)
        job_columns({"state": to_state})
        return await self._count(
            "UPDATE jobs SET state = %s, updated_at = %s WHERE id = %s AND state = ANY(%s)",
            [to_state, time.time(), job_id, olds]) == 1

    async def unfinished_jobs(self) -> list[Job]:
        return await self._jobs("state <> ALL(%s)", [list(FINISHED_STATES)], "ORDER BY id")

    async def find_job_by_thread(self, team_id: str, channel: str, thread_ts: str) -> Job | None:
        jobs = await self._jobs(
            "team_id = %s AND channel = %s AND (thread_ts = %s OR message_ts = %s)",
            [team_id, channel, thread_ts, thread_ts], "ORDER BY id DESC LIMIT 1")
        return jobs[0] if jobs else None

    async def latest_job_in_channel(self, team_id: str, channel: str) -> Job | None:
        jobs = await self._jobs("team_id = %s AND channel = %s", [team_id, channel],
                                "ORDER BY id DESC LIMIT 1")
        return jobs[0] if jobs else None

    async def find_jobs_by_transcript(self, transcript_id: str) -> list[Job]:
        return await self._jobs("transcript_id = %s", [transcript_id], "ORDER BY id")

    # follow-ups and idempotency

    async def add_followup(self, job_id: int, question: str, answer: str) -> None:
        await self._count("INSERT INTO followups (job_id, question, answer, created_at) "
                          "VALUES (%s, %s, %s, %s)", [job_id, question, answer, time.time()])

    async def followups(self, job_id: int) -> list[tuple[str, str]]:
        rows = await self._all("SELECT question, answer FROM followups WHERE job_id = %s "
                               "ORDER BY id", [job_id])
        return [(r["question"], r["answer"]) for r in rows]

    async def thread_followups(self, team_id: str, channel: str,
                               thread_ts: str) -> list[tuple[str, str]]:
        rows = await self._all(
            "SELECT f.question, f.answer FROM followups f JOIN jobs j ON j.id = f.job_id "
            "WHERE j.team_id = %s AND j.channel = %s AND j.thread_ts = %s ORDER BY f.id",
            [team_id, channel, thread_ts])
        return [(r["question"], r["answer"]) for r in rows]

    async def mark_seen(self, key: str) -> bool:
        now = time.time()
        await self._count("DELETE FROM seen WHERE created_at < %s", [now - SEEN_TTL_S])
        return await self._count("INSERT INTO seen (key, created_at) VALUES (%s, %s) "
                                 "ON CONFLICT (key) DO NOTHING", [key, now]) == 1
