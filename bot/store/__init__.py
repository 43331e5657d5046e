"""The store: everything Recap keeps (recordings, transcripts, recaps, jobs, follow-ups).

May import: bot.store.sqlite, bot.store.rows, bot.store.schema (this file only re-exports them).

Layout: schema.py (tables and migrations), rows.py (Job and the row <-> object conversions),
sqlite.py (Store: the async facade, one worker thread owning the connection). Callers import from
here: `from bot.store import Store, Job`.
"""

from __future__ import annotations

from bot.store.rows import Job
from bot.store.schema import FINISHED_STATES, JOB_STATES, MIGRATIONS
from bot.store.sqlite import BUSY_TIMEOUT_MS, SEEN_TTL_S, Store

__all__ = ["BUSY_TIMEOUT_MS", "FINISHED_STATES", "JOB_STATES", "MIGRATIONS", "SEEN_TTL_S", "Job",
           "Store"]
