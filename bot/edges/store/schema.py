"""The store's tables and the migrations that make them: the schema in one place.

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
  speaker_names (team_id, transcript_id, label) PK, name, channel, created_at (v3): the names
               people gave diarized speakers (a rename is a row, the transcript keeps its labels);
               a channel's names are candidates for its next recordings. jobs.recap_ts (v3): the
               recap messages' ts, space-separated, so a rename edits them in place
  passages     FTS5 (v4): overlapping windows of each transcript's utterances (transcript_id,
               team_id, start_ms, speakers, text), BM25-ranked, for follow-ups, /recap ask and
               /recap search; rebuilt when a transcript is stored, deleted with it
  votes        (team_id, channel, message_ts, user_id) PK, kind (recap|answer), job_id,
               transcript_id, style, direction (up|down), created_at, updated_at (v5): 👍/👎 on
               Recap's messages, one per person per message (votes.py); deleted with the transcript
AUTOINCREMENT because ids travel in Slack buttons: a forgotten job's id never names another job.
Times are REAL unix seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlite_utils import Database
from sqlite_utils.db import ForeignKey

from bot.core.retrieval import passages
from bot.core.transcript import Transcript
from bot.edges.store.votes import v5_votes

JOB_STATES = ("queued", "transcribing", "summarizing", "posted", "failed")
FINISHED_STATES = ("posted", "failed")

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


def _v3_speaker_names(db: Database) -> None:
    db.table("speaker_names").create(
        {"team_id": str, "transcript_id": str, "label": str, "name": str, "channel": str,
         "created_at": float},
        pk=("team_id", "transcript_id", "label"), not_null=["name", "created_at"],
    )
    db.table("speaker_names").create_index(["team_id", "channel"])
    db.execute("ALTER TABLE jobs ADD COLUMN recap_ts TEXT")


def _v4_passages(db: Database) -> None:
    db.execute("CREATE VIRTUAL TABLE passages USING fts5(transcript_id UNINDEXED, "
                "team_id UNINDEXED, start_ms UNINDEXED, speakers UNINDEXED, text, "
                "tokenize = 'unicode61 remove_diacritics 2')")
    for row in db.query("SELECT id, team_id, data FROM transcripts"):
        index_transcript(db, row["team_id"], Transcript.from_dict(json.loads(row["data"])))


def index_transcript(db: Database, team_id: str, transcript: Transcript) -> None:
    """The transcript's passages in the full-text index, replacing any it had."""
    db.execute("DELETE FROM passages WHERE transcript_id = ?", [transcript.id])
    db.conn.executemany(
        "INSERT INTO passages (transcript_id, team_id, start_ms, speakers, text) "
        "VALUES (?, ?, ?, ?, ?)",
        [(p.transcript_id, team_id, p.start_ms, " ".join(p.speakers), p.text)
         for p in passages(transcript.id, transcript.utterances)])


MIGRATIONS: list[Callable[[Database], None]] = [_v1_tables, _v2_forgotten, _v3_speaker_names,
                                                _v4_passages, v5_votes]


@contextmanager
def immediate(db: Database) -> Iterator[None]:
    """A write transaction that takes the lock up front, so it never fails half-way on BUSY."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    db.commit()


def migrate(db: Database) -> None:
    """Run the migrations this database has not seen; refuse one made by a newer Recap."""
    with immediate(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(f"database schema v{version} is newer than this Recap's")
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
