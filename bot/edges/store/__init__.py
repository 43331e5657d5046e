"""The store: everything Recap keeps (recordings, transcripts, recaps, jobs, follow-ups).

Layout: schema.py (tables and migrations), rows.py (Job and the row <-> object conversions),
sqlite.py (Store: the async facade, one worker thread owning the connection), protocol.py
(StoreProtocol: the interface every backend implements), postgres*.py (PgStore, with
DATABASE_URL: postgres, postgres_rows, postgres_privacy, postgres_schema), factory.py
(open_store: which one a Config means). Callers import from here:
`from bot.edges.store import Store, Job`.
"""

from __future__ import annotations

from bot.edges.store.factory import open_store
from bot.edges.store.protocol import StoreProtocol
from bot.edges.store.rows import Job
from bot.edges.store.schema import FINISHED_STATES, JOB_STATES, MIGRATIONS
from bot.edges.store.sqlite import BUSY_TIMEOUT_MS, SEEN_TTL_S, Store

__all__ = ["BUSY_TIMEOUT_MS", "FINISHED_STATES", "JOB_STATES", "MIGRATIONS", "SEEN_TTL_S", "Job",
           "Store", "StoreProtocol", "open_store"]
