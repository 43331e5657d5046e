"""The SQLite store: the only module that writes SQL (sqlite-utils, with migrations).

Why one thread: the app is asyncio and SQLite blocks. Every public method is async and runs its
body on the Store's single worker thread, which owns the connection. That serialises this
process's writes (no "database is locked" however many jobs run), keeps disk waits off the event
loop, and each statement commits on its own (no long transactions). The public methods are the
whole interface: a PostgreSQL backend can replace this class method for method.

The tables are described in bot/store/schema.py. PRAGMAs: WAL, busy_timeout, secure_delete
(forgotten text is zeroed, not left in free pages), foreign_keys, synchronous=NORMAL (safe
against a killed process).
"""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from bot.core.feedback import Tally, Vote
from bot.core.recap import Recap
from bot.core.retrieval import Passage
from bot.core.transcript import Transcript
from bot.edges.store import votes
from bot.edges.store.rows import (
    Job,
    changed,
    check_key,
    first_row,
    job_columns,
    job_from_row,
    recap_from_row,
    thread_key,
    upsert,
)
from bot.edges.store.schema import FINISHED_STATES, immediate, index_transcript, migrate

BUSY_TIMEOUT_MS = 5000
SEEN_TTL_S = 7 * 24 * 3600
SEEN_PURGE_EVERY_S = 600.0


def _settle(future: asyncio.Future[bool], value: bool | None, error: Exception | None) -> None:
    """Resolve a mark_seen caller's future on its loop (a cancelled caller is left alone)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(bool(value))

P = ParamSpec("P")
R = TypeVar("R")


def _on_worker(
    body: Callable[Concatenate[Store, P], R],
) -> Callable[Concatenate[Store, P], Coroutine[Any, Any, R]]:
    """Make a blocking method async: its body runs on the store's one worker thread."""

    @functools.wraps(body)
    async def method(self: Store, *args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(body, self, *args, **kwargs)
        )

    return method


class Store:
    """Recordings, transcripts, recaps, jobs, follow-ups: open once, share, close at shutdown."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._db: Database
        self._closed = False
        self._seen_lock = threading.Lock()
        self._seen_batch: list[tuple[str, asyncio.Future[bool]]] = []
        self._seen_purged = 0.0

    @classmethod
    async def open(cls, path: str) -> Store:
        """Connect on the worker thread and bring the schema up to date."""
        store = cls(str(path))
        await store._connect()
        return store

    @_on_worker
    def _connect(self) -> None:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        self._db = Database(conn)
        for pragma in (f"busy_timeout = {BUSY_TIMEOUT_MS}", "secure_delete = ON",
                       "foreign_keys = ON", "synchronous = NORMAL"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.enable_wal()
        migrate(self._db)

    async def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL) and stop the worker thread."""
        if not self._closed:
            self._closed = True
            await self._close()
            self._executor.shutdown(wait=True)

    @_on_worker
    def _close(self) -> None:
        self._db.close()

    # transcripts

    @_on_worker
    def find_transcript(self, source_key: str) -> Transcript | None:
        """The cached transcript of this recording: the reason a new style never re-transcribes."""
        row = next(self._db.query(
            "SELECT t.data FROM recordings r JOIN transcripts t ON t.id = r.transcript_id "
            "WHERE r.source_key = ?", [source_key]), None)
        return Transcript.from_dict(json.loads(row["data"])) if row else None

    @_on_worker
    def get_transcript(self, transcript_id: str) -> Transcript | None:
        row = first_row(self._db, "transcripts", "id = ?", [transcript_id], select="data")
        return Transcript.from_dict(json.loads(row["data"])) if row else None

    @_on_worker
    def save_transcript(self, source_key: str, team_id: str, name: str,
                        transcript: Transcript) -> None:
        check_key(source_key, team_id)
        now = time.time()
        with immediate(self._db):
            upsert(self._db, "transcripts", "id", {
                "id": transcript.id, "team_id": team_id, "data": json.dumps(transcript.to_dict()),
                "duration_ms": transcript.duration_ms, "language": transcript.language,
                "created_at": now})
            upsert(self._db, "recordings", "source_key", {
                "source_key": source_key, "team_id": team_id, "name": name,
                "transcript_id": transcript.id, "created_at": now})
            index_transcript(self._db, team_id, transcript)

    @_on_worker
    def link_recording(self, source_key: str, team_id: str, name: str,
                       transcript_id: str) -> None:
        """Remember a submitted, unfinished transcript id, so a restart or retry reuses it."""
        check_key(source_key, team_id)
        upsert(self._db, "recordings", "source_key", {
            "source_key": source_key, "team_id": team_id, "name": name,
            "transcript_id": transcript_id, "created_at": time.time()})

    @_on_worker
    def unlink_recording(self, source_key: str, transcript_id: str) -> None:
        """Drop the source's link to `transcript_id` (one that failed), if it still holds it."""
        self._db.table("recordings").delete_where(
            "source_key = ? AND transcript_id = ?", [source_key, transcript_id])

    @_on_worker
    def find_transcript_id(self, source_key: str) -> str | None:
        row = first_row(self._db, "recordings", "source_key = ?", [source_key],
                        select="transcript_id")
        return row["transcript_id"] if row else None

    # recaps

    @_on_worker
    def find_recap(self, cache_key: str) -> tuple[int, Recap] | None:
        row = first_row(self._db, "recaps", "cache_key = ?", [cache_key])
        return (row["id"], recap_from_row(row)) if row else None

    @_on_worker
    def save_recap(self, cache_key: str, *, transcript_id: str, team_id: str, style: str,
                   recap: Recap) -> int:
        """Store (or replace, keeping its id) the recap for this cache key; returns its id.

        LookupError when the transcript is gone (forgotten while this recap was being made):
        checked in the same transaction, so no recap outlives the transcript it quotes."""
        judge = json.dumps(recap.judge) if recap.judge is not None else None
        with immediate(self._db):
            if first_row(self._db, "transcripts", "id = ?", [transcript_id], select="id") is None:
                raise LookupError(f"no transcript {transcript_id}")
            upsert(self._db, "recaps", "cache_key", {
                "cache_key": cache_key, "transcript_id": transcript_id, "team_id": team_id,
                "style": style, "data": json.dumps(recap.to_dict()), "judge": judge,
                "created_at": time.time()})
            row = first_row(self._db, "recaps", "cache_key = ?", [cache_key], select="id")
        assert row is not None
        return int(row["id"])

    @_on_worker
    def get_recap(self, recap_id: int) -> Recap | None:
        row = first_row(self._db, "recaps", "id = ?", [recap_id])
        return recap_from_row(row) if row else None

    @_on_worker
    def save_judge(self, recap_id: int, verdict: dict[str, Any]) -> None:
        """Attach the judge's verdict; a recap forgotten meanwhile stays forgotten."""
        self._db.execute("UPDATE recaps SET judge = ? WHERE id = ?",
                         [json.dumps(verdict), recap_id])

    # jobs

    @_on_worker
    def create_job(self, *, dedupe_key: str, team_id: str, **fields: Any) -> tuple[Job, bool]:
        """The job for this dedupe key, and whether this call created it (a retried event: no)."""
        now = time.time()
        row = {**job_columns(fields), "dedupe_key": dedupe_key, "team_id": team_id,
               "created_at": now, "updated_at": now}
        created = changed(self._db, lambda: self._db.table("jobs").insert(row, ignore=True))
        jobs = self._jobs("dedupe_key = ?", [dedupe_key])
        if not jobs:
            raise ValueError(f"job {dedupe_key!r} was not stored (a required field missing?)")
        return jobs[0], created

    @_on_worker
    def get_job(self, job_id: int) -> Job | None:
        jobs = self._jobs("id = ?", [job_id])
        return jobs[0] if jobs else None

    @_on_worker
    def update_job(self, job_id: int, **fields: Any) -> Job:
        """Write the given fields now (each step is stored before the next one starts)."""
        try:
            self._db.table("jobs").update(
                job_id, {**job_columns(fields), "updated_at": time.time()})
        except NotFoundError:
            raise LookupError(f"no job {job_id}") from None
        return self._jobs("id = ?", [job_id])[0]

    @_on_worker
    def claim_job(self, job_id: int, from_states: Iterable[str], to_state: str) -> bool:
        """Compare-and-set the state: True for exactly one caller, so no job runs twice."""
        olds = [from_states] if isinstance(from_states, str) else list(from_states)
        job_columns({"state": to_state})
        cursor = self._db.execute(
            f"UPDATE jobs SET state = ?, updated_at = ? WHERE id = ? "
            f"AND state IN ({', '.join('?' * len(olds))})",
            [to_state, time.time(), job_id, *olds])
        return cursor.rowcount == 1

    def _jobs(self, where: str, args: list[Any], **kw: Any) -> list[Job]:
        return [job_from_row(row) for row in self._db.table("jobs").rows_where(where, args, **kw)]

    @_on_worker
    def unfinished_jobs(self) -> list[Job]:
        """Jobs to resume after a restart, oldest first."""
        return self._jobs("state NOT IN (?, ?)", list(FINISHED_STATES), order_by="id")

    @_on_worker
    def find_job_by_thread(self, team_id: str, channel: str, thread_ts: str) -> Job | None:
        jobs = self._jobs("team_id = ? AND channel = ? AND (thread_ts = ? OR message_ts = ?)",
                          [team_id, channel, thread_ts, thread_ts], order_by="id DESC", limit=1)
        return jobs[0] if jobs else None

    @_on_worker
    def latest_job_in_channel(self, team_id: str, channel: str) -> Job | None:
        """What `/recap <verb>` without a link means: the channel's most recent recording."""
        jobs = self._jobs("team_id = ? AND channel = ?", [team_id, channel],
                          order_by="id DESC", limit=1)
        return jobs[0] if jobs else None

    @_on_worker
    def find_jobs_by_transcript(self, transcript_id: str) -> list[Job]:
        return self._jobs("transcript_id = ?", [transcript_id], order_by="id")

    # follow-ups and idempotency

    @_on_worker
    def add_followup(self, job_id: int, question: str, answer: str) -> None:
        self._db.table("followups").insert(
            {"job_id": job_id, "question": question, "answer": answer, "created_at": time.time()})

    @_on_worker
    def followups(self, job_id: int) -> list[tuple[str, str]]:
        """Earlier questions and answers in the thread, oldest first (the LLM's context)."""
        rows = self._db.table("followups").rows_where(
            "job_id = ?", [job_id], order_by="id", select="question, answer")
        return [(r["question"], r["answer"]) for r in rows]

    @_on_worker
    def thread_followups(self, team_id: str, channel: str,
                         thread_ts: str) -> list[tuple[str, str]]:
        """A thread's questions and answers across its jobs (a restyle is a job of its own)."""
        rows = self._db.query(
            "SELECT f.question, f.answer FROM followups f JOIN jobs j ON j.id = f.job_id "
            "WHERE j.team_id = ? AND j.channel = ? AND j.thread_ts = ? ORDER BY f.id",
            [team_id, channel, thread_ts])
        return [(r["question"], r["answer"]) for r in rows]

    async def mark_seen(self, key: str) -> bool:
        """True the first time a key is seen: Slack's retries and duplicates do nothing.

        On the ack path, so it never queues one commit behind another: the keys that arrive
        while the worker is busy are written together, one INSERT OR IGNORE each in a single
        transaction (a burst of 50 acks costs a few commits, not 50). Expired keys are purged
        at most every SEEN_PURGE_EVERY_S, not on every ack.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        with self._seen_lock:
            self._seen_batch.append((key, future))
            start = len(self._seen_batch) == 1
        if start:
            try:
                self._executor.submit(self._write_seen, loop)
            except RuntimeError:  # closed: nobody will write this batch
                with self._seen_lock:
                    self._seen_batch = []
                raise
        return await future

    def _write_seen(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the worker: every key queued so far, in one transaction; then answer each caller."""
        with self._seen_lock:
            batch, self._seen_batch = self._seen_batch, []
        try:
            now = time.time()
            fresh: list[bool] = []
            with immediate(self._db):
                if now - self._seen_purged > SEEN_PURGE_EVERY_S:
                    self._db.execute("DELETE FROM seen WHERE created_at < ?", [now - SEEN_TTL_S])
                    self._seen_purged = now
                for key, _ in batch:
                    cursor = self._db.execute(
                        "INSERT OR IGNORE INTO seen (key, created_at) VALUES (?, ?)", [key, now])
                    fresh.append(cursor.rowcount == 1)
        except Exception as error:  # every caller hears of it, as from one call each
            for _, future in batch:
                loop.call_soon_threadsafe(_settle, future, None, error)
            return
        for (_, future), new in zip(batch, fresh, strict=True):
            loop.call_soon_threadsafe(_settle, future, new, None)

    # search

    @_on_worker
    def search_passages(self, team_id: str, query: str, *, transcript_id: str | None = None,
                        channel: str | None = None, limit: int = 20) -> list[Passage]:
        """The best passages for an FTS5 `query` (bot.core.retrieval.fts_query), best first,
        within one workspace and either one transcript or one channel's recordings."""
        where, args = ["passages MATCH ?", "team_id = ?"], [query, team_id]
        if transcript_id is not None:
            where.append("transcript_id = ?")
            args.append(transcript_id)
        if channel is not None:
            where.append("transcript_id IN (SELECT transcript_id FROM jobs WHERE team_id = ? "
                         "AND channel = ? AND transcript_id IS NOT NULL)")
            args += [team_id, channel]
        rows = self._db.query(
            "SELECT transcript_id, start_ms, speakers, text FROM passages WHERE "
            f"{' AND '.join(where)} ORDER BY bm25(passages) LIMIT ?", [*args, limit])
        return [Passage(r["transcript_id"], int(r["start_ms"]), tuple(r["speakers"].split()),
                        r["text"]) for r in rows]

    @_on_worker
    def recording_of(self, team_id: str, transcript_id: str) -> Job | None:
        """The first job (so the thread, the name) that recapped this transcript here."""
        jobs = self._jobs("team_id = ? AND transcript_id = ?", [team_id, transcript_id],
                          order_by="id")
        return jobs[0] if jobs else None

    @_on_worker
    def recording_name(self, transcript_id: str) -> str | None:
        """The name a recording of this transcript was stored under (the CLI's have no job)."""
        row = first_row(self._db, "recordings", "transcript_id = ?", [transcript_id],
                        select="name", order_by="created_at")
        return str(row["name"]) if row and row["name"] else None

    # speaker names

    @_on_worker
    def set_speaker_names(self, team_id: str, transcript_id: str, channel: str,
                          names: dict[str, str]) -> None:
        now = time.time()
        self._db.table("speaker_names").upsert_all(
            [{"team_id": team_id, "transcript_id": transcript_id, "label": label, "name": name,
              "channel": channel, "created_at": now} for label, name in names.items() if name],
            pk=("team_id", "transcript_id", "label"))
        for label in (label for label, name in names.items() if not name):
            self._db.execute("DELETE FROM speaker_names WHERE team_id = ? AND transcript_id = ? "
                             "AND label = ?", [team_id, transcript_id, label])

    @_on_worker
    def speaker_names(self, team_id: str, transcript_id: str) -> dict[str, str]:
        rows = self._db.table("speaker_names").rows_where(
            "team_id = ? AND transcript_id = ?", [team_id, transcript_id], select="label, name")
        return {r["label"]: r["name"] for r in rows}

    @_on_worker
    def channel_speaker_names(self, team_id: str, channel: str, limit: int = 50) -> list[str]:
        """Names given in this channel, newest first: candidates for its next recordings."""
        rows = self._db.query(
            "SELECT name, MAX(created_at) AS at FROM speaker_names WHERE team_id = ? AND "
            "channel = ? GROUP BY name ORDER BY at DESC LIMIT ?", [team_id, channel, limit])
        return [r["name"] for r in rows]

    # feedback (bot.edges.store.votes)

    @_on_worker
    def record_vote(self, vote: Vote) -> None:
        """Store a 👍/👎; the same person's second click on the same message replaces it."""
        votes.record_vote(self._db, vote)

    @_on_worker
    def message_votes(self, team_id: str, channel: str, message_ts: str) -> dict[str, str]:
        """The votes on one message: user id -> "up" | "down"."""
        return votes.message_votes(self._db, team_id, channel, message_ts)

    @_on_worker
    def vote_tallies(self, since: float) -> list[Tally]:
        """Votes cast (or changed) since `since`, counted per kind, style and direction."""
        return votes.vote_tallies(self._db, since)

    # privacy

    @_on_worker
    def forget_transcript(self, transcript_id: str) -> list[str]:
        """Delete the transcript and all that quotes it; returns the recordings' source keys.

        secure_delete zeroes the freed pages and the checkpoint empties the WAL, so the text
        does not linger in the files either.
        """
        with immediate(self._db):
            keys = [r["source_key"] for r in self._db.table("recordings").rows_where(
                "transcript_id = ?", [transcript_id], select="source_key")]
            threads = self._db.query(
                "SELECT DISTINCT team_id, channel, thread_ts FROM jobs WHERE transcript_id = ? "
                "AND thread_ts IS NOT NULL", [transcript_id])
            self._db.table("forgotten").insert_all(
                [{"key": thread_key(t['team_id'], t['channel'], t['thread_ts']),
                  "created_at": time.time()} for t in threads], ignore=True)
            for table, column in [("jobs", "transcript_id"), ("recaps", "transcript_id"),
                                  ("speaker_names", "transcript_id"),
                                  ("passages", "transcript_id"), ("votes", "transcript_id"),
                                  ("recordings", "transcript_id"), ("transcripts", "id")]:
                self._db.table(table).delete_where(f"{column} = ?", [transcript_id])
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return keys

    @_on_worker
    def expired_transcripts(self, older_than: float) -> list[str]:
        """Transcript ids stored before `older_than`, and old submissions that never finished."""
        rows = self._db.query(
            "SELECT id FROM transcripts WHERE created_at < :t UNION "
            "SELECT r.transcript_id FROM recordings r LEFT JOIN transcripts t "
            "ON t.id = r.transcript_id WHERE t.id IS NULL AND r.transcript_id IS NOT NULL "
            "AND r.created_at < :t", {"t": older_than})
        return [r["id"] for r in rows]

    @_on_worker
    def forget_job(self, job_id: int) -> None:
        """Delete one job that never got a transcript (its follow-ups go with it)."""
        with immediate(self._db):
            for t in self._db.query("SELECT team_id, channel, thread_ts FROM jobs WHERE id = ? "
                                    "AND thread_ts IS NOT NULL", [job_id]):
                self._db.table("forgotten").insert(
                    {"key": thread_key(t['team_id'], t['channel'], t['thread_ts']),
                     "created_at": time.time()}, ignore=True)
            self._db.table("votes").delete_where("job_id = ?", [job_id])
            self._db.table("jobs").delete_where("id = ?", [job_id])
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    @_on_worker
    def is_forgotten(self, team_id: str, channel: str, thread_ts: str) -> bool:
        """Whether this thread's recording was deleted (forget, retention)."""
        key = thread_key(team_id, channel, thread_ts)
        return first_row(self._db, "forgotten", "key = ?", [key], select="key") is not None

    # meta

    @_on_worker
    def get_meta(self, key: str) -> str | None:
        row = first_row(self._db, "meta", "key = ?", [key], select="value")
        return row["value"] if row else None

    @_on_worker
    def set_meta(self, key: str, value: str) -> None:
        upsert(self._db, "meta", "key", {"key": key, "value": value})

    @_on_worker
    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
