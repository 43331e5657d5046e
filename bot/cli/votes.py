"""What people said with 👍/👎 (bot.core.feedback) over the last FEEDBACK_DAYS, for `recap eval`
and `recap doctor`: a few lines, or a dict for `--json`.

Read from the store the configuration names (SQLite at DATABASE_PATH or DATABASE_URL's
PostgreSQL); a SQLite file or a PostgreSQL schema that does not exist yet is not created just to
say there are no votes (`recap doctor` changes nothing).
"""

from __future__ import annotations

import os
import time
from typing import Any

from bot.config import Config
from bot.core.feedback import tally_lines, tally_summary
from bot.edges.store import open_store

FEEDBACK_DAYS = 30


async def feedback_summary(config: Config) -> dict[str, Any] | None:
    """{"days", "up", "down", "by": {"recap topics": {"up", "down"}, ...}}; None: no database."""
    if not config.database_url and not os.path.exists(config.database_path):
        return None
    if config.database_url and not await _pg_has_votes(config.database_url):
        return None
    store = await open_store(config.database_path, config.database_url)
    try:
        tallies = await store.vote_tallies(time.time() - FEEDBACK_DAYS * 86400)
    finally:
        await store.close()
    return {"days": FEEDBACK_DAYS, **tally_summary(tallies)}


async def _pg_has_votes(url: str) -> bool:
    import psycopg  # the postgres extra: only with DATABASE_URL

    async with await psycopg.AsyncConnection.connect(url) as conn:
        row = await (await conn.execute("SELECT to_regclass('votes') IS NOT NULL")).fetchone()
    return bool(row and row[0])


def feedback_lines(summary: dict[str, Any]) -> list[str]:
    return tally_lines(summary, summary["days"])
