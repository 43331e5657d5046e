"""Slack's Web API rate-limits and drops connections: Recap waits as told and posts exactly once,
with the thread's replies in order."""

from __future__ import annotations

from tests.e2e.faults import drop, recaps, replies, statuses, text, until, wait_reaction


async def test_429s_and_a_dropped_connection_still_give_one_status_and_one_recap_in_order(
    stage, app
):
    stage.assemblyai.processing_seconds = 0.8
    stage.slack.fail_next("chat.postMessage", 429, retry_after=0)  # the status message
    thread = await drop(stage, app)
    await until(lambda: statuses(stage, thread))
    stage.slack.fail_next("chat.update", 429, retry_after=0)
    stage.slack.drop_next("chat.postMessage")  # the recap's first attempt never gets an answer
    await wait_reaction(stage, thread, "white_check_mark")

    status, recap = replies(stage, thread)
    assert status is statuses(stage, thread)[0] and "Recap ready" in text(status)
    assert recaps(stage, thread) == [recap] and float(status.ts) < float(recap.ts)
    posts = [c.status for c in stage.slack.calls("chat.postMessage")]
    assert posts == [429, 200, 0, 200]
    assert [c.status for c in stage.slack.calls("chat.update")][0] == 429
    assert stage.slack.violations == []
