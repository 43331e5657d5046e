"""Many jobs at once on one SQLite file: nothing locked, nothing lost, acknowledgements stay fast,
and a kill -9 in the middle of the writes leaves a sound database that the next start finishes."""

from __future__ import annotations

import asyncio
import sqlite3

from tests.e2e.people import (
    CHANNEL,
    bot_replies,
    deliver,
    reactions,
    recaps,
    rows,
    share,
    share_event,
    statuses,
    wait_reaction,
)

# Fifty recordings in one channel: Slack would pace their posts at about one a second and their
# edits and reactions at about 50 a minute (and Recap does, SLACK_*), which is not what these
# tests are about (tests/e2e/test_slack_rate_limits.py is), so the pace is lifted.
LOAD = {"LLM_RPM": "1000", "LLM_CONCURRENCY": "16", "SLACK_POST_BURST": "100",
        "SLACK_TIER3_PER_MIN": "1000", "SLACK_TIER4_PER_MIN": "1000", "SLACK_RATE_PERIOD": "1"}


def done(stage, threads: list[str]) -> int:
    """Jobs finished as a person sees them (✅) and as the database records them (posted)."""
    posted = {r["thread_ts"] for r in rows(stage) if r["state"] == "posted"}
    return sum("white_check_mark" in reactions(stage, ts) and ts in posted for ts in threads)


async def test_fifty_jobs_finishing_together_while_questions_are_answered(stage):
    app = await stage.app(**LOAD)
    asked = await share(stage, app)  # a finished recap people ask about meanwhile
    await wait_reaction(stage, asked, "white_check_mark")
    stage.assemblyai.processing_seconds = 1.0  # all fifty complete at about the same moment
    envelopes = [share_event(stage, f"meeting-{n}.mp3", size=8192) for n in range(50)]
    threads = [e["event"]["ts"] for e in envelopes]

    acks = list(await asyncio.gather(*(deliver(stage, app, e) for e in envelopes)))
    await stage.slack.wait_for(lambda: stage.assemblyai.creates == 51, timeout=20)
    for n in range(6):  # questions while the jobs finish
        question = stage.slack.user_message(
            CHANNEL, f"What was decided about the launch? ({n})", thread_ts=asked
        )
        acks.append(await deliver(stage, app, question))
        await asyncio.sleep(0.15)
    await stage.slack.wait_for(lambda: done(stage, threads) == 50, timeout=40)
    await stage.slack.wait_for(lambda: len(bot_replies(stage, asked)) == 2 + 6)

    assert all(status == 200 for status, _ in acks)
    assert max(seconds for _, seconds in acks) < 1.5  # loose: 2 cores, 50 jobs, 3 simulators
    assert all(len(statuses(stage, ts)) == 1 and len(recaps(stage, ts)) == 1 for ts in threads)
    assert [r["state"] for r in rows(stage)] == ["posted"] * 51
    assert "database is locked" not in app.logs()


async def test_kill_9_during_writes_leaves_a_sound_database_and_nothing_done_twice(stage):
    app = await stage.app(**LOAD)
    stage.assemblyai.processing_seconds = 0.8
    envelopes = [share_event(stage, f"meeting-{n}.mp3", size=8192) for n in range(20)]
    threads = [e["event"]["ts"] for e in envelopes]
    await asyncio.gather(*(deliver(stage, app, e) for e in envelopes))
    await stage.slack.wait_for(
        lambda: all(r["transcript_id"] for r in rows(stage)) and len(rows(stage)) == 20)
    # Recaps are being posted.
    await stage.slack.wait_for(lambda: done(stage, threads) >= 3, timeout=20)
    await app.kill()

    with sqlite3.connect(f"{stage.workdir}/recap.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    await stage.app(**LOAD)
    await stage.slack.wait_for(lambda: done(stage, threads) == 20, timeout=30)

    assert stage.assemblyai.uploads == 20 and stage.assemblyai.creates == 20
    assert all(len(statuses(stage, ts)) == 1 and len(recaps(stage, ts)) == 1 for ts in threads)
    assert [r["state"] for r in rows(stage)] == ["posted"] * 20
