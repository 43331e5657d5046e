"""Which backend a configuration means: PostgreSQL with DATABASE_URL, else SQLite at DATABASE_PATH.

The one place that chooses, so bot/deps.py and `recap migrate` open the same store. It takes
the two settings, not Config: edges import no configuration. PostgreSQL is imported only when
asked for: a SQLite install never loads psycopg.
"""

from __future__ import annotations

from bot.edges.store.protocol import StoreProtocol
from bot.edges.store.sqlite import Store


async def open_store(database_path: str, database_url: str | None = None) -> StoreProtocol:
    """Open (and migrate) the store Config names (`open_store(c.database_path, c.database_url)`);
    a DATABASE_URL that does not work raises ConfigError, without its password."""
    if database_url:
        from bot.edges.store.postgres import PgStore

        return await PgStore.open(database_url)
    return await Store.open(database_path)
