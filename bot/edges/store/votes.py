"""The votes table (v5): one 👍/👎 per person per Recap message, on SQLite.

Its own module so sqlite.py stays one facade: these run on the Store's worker thread, which owns
the connection. A second click by the same person on the same message replaces the row (the
primary key is team, channel, message ts, user), so a tally never counts a change of mind twice.
Votes hold ids only (who, which message, which job / transcript / style, which way): forgetting a
transcript deletes its votes too, as it deletes everything else about the recording.
"""

from __future__ import annotations

from sqlite_utils import Database

from bot.core.feedback import Tally, Vote

COLUMNS = ("team_id", "channel", "message_ts", "user_id", "kind", "job_id", "transcript_id",
           "style", "direction", "created_at", "updated_at")
KEY = ("team_id", "channel", "message_ts", "user_id")
UPSERT = (f"INSERT INTO votes ({', '.join(COLUMNS)}) VALUES ({{marks}}) "
          f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET "
          + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in (*KEY, "created_at")))
TALLY = ("SELECT kind, style, direction, COUNT(*) AS votes FROM votes WHERE updated_at >= {mark} "
         "GROUP BY kind, style, direction ORDER BY kind, style, direction")


def v5_votes(db: Database) -> None:
    db.execute("""CREATE TABLE votes (team_id TEXT NOT NULL, channel TEXT NOT NULL,
    message_ts TEXT NOT NULL, user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recap', 'answer')), job_id INTEGER, transcript_id TEXT,
    style TEXT NOT NULL DEFAULT '', direction TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    created_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (team_id, channel, message_ts, user_id))""")
    db.execute("CREATE INDEX votes_transcript_id ON votes (transcript_id)")
    db.execute("CREATE INDEX votes_updated_at ON votes (updated_at)")


def vote_row(vote: Vote) -> list[object]:
    """The vote's columns in COLUMNS order (its time is both created_at and updated_at)."""
    return [vote.team_id, vote.channel, vote.message_ts, vote.user_id, vote.kind, vote.job_id,
            vote.transcript_id, vote.style, vote.direction, vote.at, vote.at]


def record_vote(db: Database, vote: Vote) -> None:
    db.execute(UPSERT.format(marks=", ".join("?" * len(COLUMNS))), vote_row(vote))


def message_votes(db: Database, team_id: str, channel: str, message_ts: str) -> dict[str, str]:
    rows = db.execute("SELECT user_id, direction FROM votes WHERE team_id = ? AND channel = ? "
                      "AND message_ts = ?", [team_id, channel, message_ts]).fetchall()
    return {user: direction for user, direction in rows}


def vote_tallies(db: Database, since: float) -> list[Tally]:
    return [Tally(*row) for row in db.execute(TALLY.format(mark="?"), [since]).fetchall()]
