"""Rows and the objects they hold: the Job record, JSON columns in and out, small SQL helpers.

Everything here is synchronous and takes the connection as an argument: the Store calls it from
its worker thread, which owns the connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlite_utils import Database

from bot.core.recap import Recap
from bot.edges.store.schema import FINISHED_STATES, JOB_STATES


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
    recap_ts: str | None = None  # the recap messages, space-separated (v3)
    error: str | None = None
    attempts: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES


_JOB_WRITABLE = {f.name for f in fields(Job)} - {"id", "dedupe_key", "created_at", "updated_at"}


def job_from_row(row: dict[str, Any]) -> Job:
    return Job(**{**row, "source": json.loads(row["source"])})


def job_columns(values: dict[str, Any]) -> dict[str, Any]:
    """Check the fields a caller wants to write and turn them into columns (source as JSON)."""
    unknown = set(values) - _JOB_WRITABLE
    if unknown:
        raise TypeError(f"not job fields: {sorted(unknown)}")
    if "state" in values and values["state"] not in JOB_STATES:
        raise ValueError(f"unknown job state {values['state']!r}")
    if "source" in values:
        values = {**values, "source": json.dumps(values["source"] or {})}
    return values


def recap_from_row(row: dict[str, Any]) -> Recap:
    recap = Recap.from_dict(json.loads(row["data"]))
    if row["judge"] is not None:
        recap.judge = json.loads(row["judge"])
    return recap


def check_key(source_key: str, team_id: str) -> None:
    """Workspaces never share a recording: a key is "<kind>:<team_id>:<rest>"."""
    if team_id and source_key.split(":", 2)[1:2] != [team_id]:
        raise ValueError(f"source key {source_key!r} does not name team {team_id!r}")


def thread_key(team_id: str, channel: str, thread_ts: str) -> str:
    """The forgotten table's key for a thread."""
    return f"{team_id}:{channel}:{thread_ts}"


def first_row(db: Database, table: str, where: str, args: list[Any],
              **kw: Any) -> dict[str, Any] | None:
    return next(db.table(table).rows_where(where, args, limit=1, **kw), None)


def changed(db: Database, write: Callable[[], object]) -> bool:
    """Run one write; True if it changed a row (an INSERT OR IGNORE that inserted)."""
    before = db.conn.total_changes
    write()
    return db.conn.total_changes > before


def upsert(db: Database, table: str, key: str, row: dict[str, Any]) -> None:
    """Insert, or update every column but the key and created_at (the retention clock)."""
    cols = list(row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in (key, "created_at"))
    db.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
        f"ON CONFLICT({key}) DO UPDATE SET {updates}",
        list(row.values()),
    )
