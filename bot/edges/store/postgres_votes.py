"""The PostgreSQL store's votes (v5): one 👍/👎 per person per Recap message (a part of PgStore).

Mirrors bot/edges/store/votes.py, SQLite's, statement for statement: the same columns, the same
upsert on (team_id, channel, message_ts, user_id), the same tally. Forgetting deletes votes with
the transcript (postgres_privacy's table list).
"""

from __future__ import annotations

from bot.core.feedback import Tally, Vote
from bot.edges.store.postgres_privacy import PgQueries
from bot.edges.store.votes import COLUMNS, TALLY, UPSERT, vote_row

V5 = [
    """CREATE TABLE votes (team_id TEXT NOT NULL, channel TEXT NOT NULL,
    message_ts TEXT NOT NULL, user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recap', 'answer')), job_id BIGINT, transcript_id TEXT,
    style TEXT NOT NULL DEFAULT '', direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (team_id, channel, message_ts, user_id))""",
    "CREATE INDEX ON votes (transcript_id)",
    "CREATE INDEX ON votes (updated_at)",
]


class PgVotes(PgQueries):
    async def record_vote(self, vote: Vote) -> None:
        await self._count(UPSERT.format(marks=", ".join(["%s"] * len(COLUMNS))), vote_row(vote))

    async def message_votes(self, team_id: str, channel: str, message_ts: str) -> dict[str, str]:
        rows = await self._all("SELECT user_id, direction FROM votes WHERE team_id = %s AND "
                               "channel = %s AND message_ts = %s", [team_id, channel, message_ts])
        return {r["user_id"]: r["direction"] for r in rows}

    async def vote_tallies(self, since: float) -> list[Tally]:
        rows = await self._all(TALLY.format(mark="%s"), [since])
        return [Tally(r["kind"], r["style"], r["direction"], int(r["votes"])) for r in rows]
