"""Votes as people leave them in Slack, written straight into a database file, for the CLI's
reports (the votes' own path, clicks to rows, is tests/e2e/test_feedback.py)."""

from __future__ import annotations

import time
from typing import Any

from bot.core.feedback import Vote
from bot.edges.store import Store

VOTES = [  # message ts, kind, style, user, direction, days ago
    ("1.1", "recap", "brief", "U1", "down", 1),
    ("1.1", "recap", "brief", "U1", "up", 0),  # U1 changed their mind: one vote, up
    ("1.1", "recap", "brief", "U2", "down", 2),
    ("1.2", "answer", "thread", "U1", "up", 3),
    ("1.3", "recap", "topics", "U3", "down", 45),  # older than the report's 30 days
]


async def cast_votes(path: str) -> None:
    now = time.time()
    store = await Store.open(path)
    try:
        for ts, kind, style, user, direction, age_days in VOTES:
            fields: dict[str, Any] = {"kind": kind, "direction": direction}
            await store.record_vote(Vote(
                team_id="T0SIM", channel="C0MEETINGS", message_ts=ts, job_id=1,
                transcript_id="tx-1", style=style, user_id=user, at=now - age_days * 86400,
                **fields))
    finally:
        await store.close()
