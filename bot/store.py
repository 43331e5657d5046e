"""The SQLite store: the only module that writes SQL (sqlite-utils, with migrations).

May import: the standard library, sqlite_utils, bot.core.

Why one thread: the app is asyncio and SQLite blocks. Every public method is async and runs its
body on the Store's single worker thread, which owns the connection. That serialises this
process's writes (no "database is locked" however many jobs run), keeps disk waits off the event
loop, and each statement commits on its own (no long transactions). The public methods are the
whole interface: a PostgreSQL backend can replace this class method for method.

Tables (schema version in PRAGMA user_version; MIGRATIONS run in order, each once):
  recordings   source_key PK "<kind>:<team_id>:<rest>" ("slack:T1:F123", "url:T1:https://..."),
               team_id, name, transcript_id (set at submit, before the transcript is done),
               created_at
  transcripts  id PK (AssemblyAI's id or "local:<sha>"), team_id, data (Transcript.to_dict JSON),
               duration_ms, language, created_at
  recaps       id PK AUTOINCREMENT, cache_key UNIQUE (the caller's: team, transcript, style,
               instructions, model, prompt version), transcript_id, team_id, style,
               data (Recap.to_dict JSON), judge (JSON or NULL), created_at
  jobs         id PK AUTOINCREMENT, dedupe_key UNIQUE, team_id, channel, thread_ts, message_ts,
               user_id, source (JSON), style, instructions, state (JOB_STATES), transcript_id,
               upload_url, status_ts, recap_id, error, attempts, created_at, updated_at
  followups    id PK, job_id -> jobs.id ON DELETE CASCADE, question, answer, created_at
  seen         key PK, created_at: Slack event ids / message ts already handled (kept SEEN_TTL_S)
  meta         key PK, value: e.g. the generated webhook secret
  forgotten    key PK "<team_id>:<channel>:<thread_ts>", created_at (v2): threads whose recording
               was deleted (forget, retention), so a later question there gets a polite refusal;
               ids only, no content
AUTOINCREMENT because ids travel in Slack buttons: a forgotten job's id never names another job.
Times are REAL unix seconds. PRAGMAs: WAL, busy_timeout, secure_delete (forgotten text is zeroed,
not left in free pages), foreign_keys, synchronous=NORMAL (safe against a killed process).
"""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlite_utils import Database
from sqlite_utils.db import ForeignKey, NotFoundError

from bot.core.recap import Recap
from bot.core.transcript import Transcript

JOB_STATES = ("queued", "transcribing", "summarizing", "posted", "failed")
FINISHED_STATES = ("posted", "failed")
BUSY_TIMEOUT_MS = 5000
SEEN_TTL_S = 7 * 24 * 3600

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Job:
    """One recording's trip through the pipeline, as stored (the restart point)."""

    id: int
    dedupe_key: str
    team_id: str
    channel: str = ""
    thread_ts: str | None = None
    message_ts: str | None = None
    user_id: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    style: str = "topics"
    instructions: str = ""
    state: str = "queued"
    transcript_id: str | None = None
    upload_url: str | None = None
    status_ts: str | None = None
    recap_id: int | None = None
    error: str | None = None
    attempts: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES


_JOB_WRITABLE = {f.name for f in fields(Job)} - {"id", "dedupe_key", "created_at", "updated_at"}

_DDL = [
    """CREATE TABLE recaps (id INTEGER PRIMARY KEY AUTOINCREMENT,
    cache_key TEXT NOT NULL UNIQUE, transcript_id TEXT NOT NULL, team_id TEXT NOT NULL,
    style TEXT NOT NULL, data TEXT NOT NULL, judge TEXT, created_at REAL NOT NULL)""",
    f"""CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE, team_id TEXT NOT NULL, channel TEXT NOT NULL DEFAULT '',
    thread_ts TEXT, message_ts TEXT, user_id TEXT, source TEXT NOT NULL DEFAULT '{{}}',
    style TEXT NOT NULL DEFAULT 'topics', instructions TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN {JOB_STATES!r}),
    transcript_id TEXT, upload_url TEXT, status_ts TEXT, recap_id INTEGER, error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL, updated_at REAL NOT NULL)""",
]


def _v1_tables(db: Database) -> None:
    """The first schema. recaps and jobs are raw DDL: sqlite-utils cannot say AUTOINCREMENT."""
    db.table("recordings").create(
        {"source_key": str, "team_id": str, "name": str, "transcript_id": str, "created_at": float},
        pk="source_key", not_null=["team_id", "created_at"],
    )
    db.table("transcripts").create(
        {"id": str, "team_id": str, "data": str, "duration_ms": int, "language": str,
         "created_at": float},
        pk="id", not_null=["team_id", "data", "created_at"],
    )
    for ddl in _DDL:
        db.execute(ddl)
    db.table("followups").create(
        {"id": int, "job_id": int, "question": str, "answer": str, "created_at": float},
        pk="id", not_null=["job_id", "question", "answer", "created_at"],
        foreign_keys=[ForeignKey("followups", "job_id", "jobs", "id", on_delete="CASCADE")],
    )
    db.table("seen").create({"key": str, "created_at": float}, pk="key", not_null=["created_at"])
    db.table("meta").create({"key": str, "value": str}, pk="key", not_null=["value"])
    for table, column in [("recordings", "transcript_id"), ("transcripts", "created_at"),
                          ("recaps", "transcript_id"), ("jobs", "transcript_id"),
                          ("jobs", "state"), ("jobs", "team_id"), ("followups", "job_id"),
                          ("seen", "created_at")]:
        db.table(table).create_index([column])


def _v2_forgotten(db: Database) -> None:
    db.table("forgotten").create({"key": str, "created_at": float}, pk="key",
                                 not_null=["created_at"])


MIGRATIONS: list[Callable[[Database], None]] = [_v1_tables, _v2_forgotten]


@contextmanager
def _immediate(db: Database) -> Iterator[None]:
    """A write transaction that takes the lock up front, so it never fails half-way on BUSY."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    db.commit()


def _migrate(db: Database) -> None:
    with _immediate(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(f"database schema v{version} is newer than this Recap's")
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            step(db)
            db.execute(f"PRAGMA user_version = {number}")


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


def _job(row: dict[str, Any]) -> Job:
    return Job(**{**row, "source": json.loads(row["source"])})


def _job_columns(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - _JOB_WRITABLE
    if unknown:
        raise TypeError(f"not job fields: {sorted(unknown)}")
    if "state" in values and values["state"] not in JOB_STATES:
        raise ValueError(f"unknown job state {values['state']!r}")
    if "source" in values:
        values = {**values, "source": json.dumps(values["source"] or {})}
    return values


def _recap(row: dict[str, Any]) -> Recap:
    recap = Recap.from_dict(json.loads(row["data"]))
    if row["judge"] is not None:
        recap.judge = json.loads(row["judge"])
    return recap


class Store:
    """Recordings, transcripts, recaps, jobs, follow-ups: open once, share, close at shutdown."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._db: Database
        self._closed = False

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
        _migrate(self._db)

    async def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL) and stop the worker thread."""
        if not self._closed:
            self._closed = True
            await self._close()
            self._executor.shutdown(wait=True)

    @_on_worker
    def _close(self) -> None:
        self._db.close()

    def _first(self, table: str, where: str, args: list[Any], **kw: Any) -> dict[str, Any] | None:
        return next(self._db.table(table).rows_where(where, args, limit=1, **kw), None)

    def _changes(self, write: Callable[[], object]) -> bool:
        """Run one write; True if it changed a row (an INSERT OR IGNORE that inserted)."""
        before = self._db.conn.total_changes
        write()
        return self._db.conn.total_changes > before

    def _upsert(self, table: str, key: str, row: dict[str, Any]) -> None:
        """Insert, or update every column but the key and created_at (the retention clock)."""
        cols = list(row)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in (key, "created_at"))
        self._db.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            f"ON CONFLICT({key}) DO UPDATE SET {updates}",
            list(row.values()),
        )

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
        row = self._first("transcripts", "id = ?", [transcript_id], select="data")
        return Transcript.from_dict(json.loads(row["data"])) if row else None

    @_on_worker
    def save_transcript(self, source_key: str, team_id: str, name: str,
                        transcript: Transcript) -> None:
        _check_key(source_key, team_id)
        now = time.time()
        with _immediate(self._db):
            self._upsert("transcripts", "id", {
                "id": transcript.id, "team_id": team_id, "data": json.dumps(transcript.to_dict()),
                "duration_ms": transcript.duration_ms, "language": transcript.language,
                "created_at": now})
            self._upsert("recordings", "source_key", {
                "source_key": source_key, "team_id": team_id, "name": name,
                "transcript_id": transcript.id, "created_at": now})

    @_on_worker
    def link_recording(self, source_key: str, team_id: str, name: str,
                       transcript_id: str) -> None:
        """Remember a submitted, unfinished transcript id, so a restart or retry reuses it."""
        _check_key(source_key, team_id)
        self._upsert("recordings", "source_key", {
            "source_key": source_key, "team_id": team_id, "name": name,
            "transcript_id": transcript_id, "created_at": time.time()})

    @_on_worker
    def find_transcript_id(self, source_key: str) -> str | None:
        row = self._first("recordings", "source_key = ?", [source_key], select="transcript_id")
        return row["transcript_id"] if row else None

    # recaps

    @_on_worker
    def find_recap(self, cache_key: str) -> tuple[int, Recap] | None:
        row = self._first("recaps", "cache_key = ?", [cache_key])
        return (row["id"], _recap(row)) if row else None

    @_on_worker
    def save_recap(self, cache_key: str, *, transcript_id: str, team_id: str, style: str,
                   recap: Recap) -> int:
        """Store (or replace, keeping its id) the recap for this cache key; returns its id."""
        judge = json.dumps(recap.judge) if recap.judge is not None else None
        with _immediate(self._db):
            self._upsert("recaps", "cache_key", {
                "cache_key": cache_key, "transcript_id": transcript_id, "team_id": team_id,
                "style": style, "data": json.dumps(recap.to_dict()), "judge": judge,
                "created_at": time.time()})
            row = self._first("recaps", "cache_key = ?", [cache_key], select="id")
        assert row is not None
        return int(row["id"])

    @_on_worker
    def get_recap(self, recap_id: int) -> Recap | None:
        row = self._first("recaps", "id = ?", [recap_id])
        return _recap(row) if row else None

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
        row = {**_job_columns(fields), "dedupe_key": dedupe_key, "team_id": team_id,
               "created_at": now, "updated_at": now}
        created = self._changes(lambda: self._db.table("jobs").insert(row, ignore=True))
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
                job_id, {**_job_columns(fields), "updated_at": time.time()})
        except NotFoundError:
            raise LookupError(f"no job {job_id}") from None
        return self._jobs("id = ?", [job_id])[0]

    @_on_worker
    def claim_job(self, job_id: int, from_states: Iterable[str], to_state: str) -> bool:
        """Compare-and-set the state: True for exactly one caller, so no job runs twice."""
        olds = [from_states] if isinstance(from_states, str) else list(from_states)
        _job_columns({"state": to_state})
        cursor = self._db.execute(
            f"UPDATE jobs SET state = ?, updated_at = ? WHERE id = ? "
            f"AND state IN ({', '.join('?' * len(olds))})",
            [to_state, time.time(), job_id, *olds])
        return cursor.rowcount == 1

    def _jobs(self, where: str, args: list[Any], **kw: Any) -> list[Job]:
        return [_job(row) for row in self._db.table("jobs").rows_where(where, args, **kw)]

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

    @_on_worker
    def mark_seen(self, key: str) -> bool:
        """True the first time a key is seen: Slack's retries and duplicates do nothing."""
        now = time.time()
        self._db.table("seen").delete_where("created_at < ?", [now - SEEN_TTL_S])
        return self._changes(
            lambda: self._db.table("seen").insert({"key": key, "created_at": now}, ignore=True))

    # privacy

    @_on_worker
    def forget_transcript(self, transcript_id: str) -> list[str]:
        """Delete the transcript and all that quotes it; returns the recordings' source keys.

        secure_delete zeroes the freed pages and the checkpoint empties the WAL, so the text
        does not linger in the files either.
        """
        with _immediate(self._db):
            keys = [r["source_key"] for r in self._db.table("recordings").rows_where(
                "transcript_id = ?", [transcript_id], select="source_key")]
            threads = self._db.query(
                "SELECT DISTINCT team_id, channel, thread_ts FROM jobs WHERE transcript_id = ? "
                "AND thread_ts IS NOT NULL", [transcript_id])
            self._db.table("forgotten").insert_all(
                [{"key": f"{t['team_id']}:{t['channel']}:{t['thread_ts']}",
                  "created_at": time.time()} for t in threads], ignore=True)
            for table, column in [("jobs", "transcript_id"), ("recaps", "transcript_id"),
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
        with _immediate(self._db):
            for t in self._db.query("SELECT team_id, channel, thread_ts FROM jobs WHERE id = ? "
                                    "AND thread_ts IS NOT NULL", [job_id]):
                self._db.table("forgotten").insert(
                    {"key": f"{t['team_id']}:{t['channel']}:{t['thread_ts']}",
                     "created_at": time.time()}, ignore=True)
            self._db.table("jobs").delete_where("id = ?", [job_id])
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    @_on_worker
    def is_forgotten(self, team_id: str, channel: str, thread_ts: str) -> bool:
        """Whether this thread's recording was deleted (forget, retention)."""
        return self._first("forgotten", "key = ?", [f"{team_id}:{channel}:{thread_ts}"],
                           select="key") is not None

    # meta

    @_on_worker
    def get_meta(self, key: str) -> str | None:
        row = self._first("meta", "key = ?", [key], select="value")
        return row["value"] if row else None

    @_on_worker
    def set_meta(self, key: str, value: str) -> None:
        self._upsert("meta", "key", {"key": key, "value": value})

    @_on_worker
    def integrity_ok(self) -> bool:
        return self._db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def _check_key(source_key: str, team_id: str) -> None:
    """Workspaces never share a recording: a key is "<kind>:<team_id>:<rest>"."""
    if team_id and source_key.split(":", 2)[1:2] != [team_id]:
        raise ValueError(f"source key {source_key!r} does not name team {team_id!r}")
