"""Slack's Web API rate-limits and drops connections: Recap waits as told and posts exactly once,
with the thread's replies in order."""

from __future__ import annotations

from bot.sim.samples import meeting
from tests.e2e.people import (
    FAST_RETRIES,
    actions,
    bot_replies,
    click,
    recaps,
    row,
    share,
    statuses,
    text_of,
    wait_reaction,
)


async def test_429s_and_a_dropped_connection_still_give_one_status_and_one_recap_in_order(stage):
    app = await stage.app(**FAST_RETRIES)
    stage.assemblyai.processing_seconds = 0.8
    stage.slack.fail_next("chat.postMessage", 429, retry_after=0)  # the status message
    thread = await share(stage, app)
    await stage.slack.wait_for(lambda: statuses(stage, thread))
    stage.slack.fail_next("chat.update", 429, retry_after=0)
    stage.slack.drop_next("chat.postMessage")  # the recap's first attempt never gets an answer
    await wait_reaction(stage, thread, "white_check_mark")

    status, recap = bot_replies(stage, thread)
    assert status is statuses(stage, thread)[0] and "Recap ready" in text_of(status)
    assert recaps(stage, thread) == [recap] and float(status.ts) < float(recap.ts)
    posts = [c.status for c in stage.slack.calls("chat.postMessage")]
    assert posts == [429, 200, 0, 200]
    assert [c.status for c in stage.slack.calls("chat.update")][0] == 429
    assert stage.slack.violations == []


async def test_slack_failing_half_way_through_a_long_recap_then_retry_posts_only_the_rest(stage):
    app = await stage.app(CHUNK_TOKENS="3000", LLM_RPM="1000", **FAST_RETRIES)
    stage.assemblyai.script("*", utterances=meeting(60))  # a recap of two messages
    thread = await share(stage, app)
    await stage.slack.wait_for(lambda: statuses(stage, thread))
    stage.slack.delay("chat.postMessage", 0.2)
    # The first part is in the thread.
    await stage.slack.wait_for(lambda: recaps(stage, thread), timeout=15)
    stage.slack.fail_next("chat.postMessage", 500, times=4)  # Slack fails the second for good
    await wait_reaction(stage, thread, "x")

    (status,) = statuses(stage, thread)
    assert "Slack refused to post the recap (fatal_error). Press Retry" in text_of(status)
    assert row(stage)["state"] == "failed" and "Slack refused" in row(stage)["error"]
    first = recaps(stage, thread)
    assert len(first) == 1 and "transcript" not in actions(first[0])  # the buttons end part 2

    stage.slack.delay("chat.postMessage", 0)
    await click(stage, app, status, "retry")
    await wait_reaction(stage, thread, "white_check_mark")

    parts = recaps(stage, thread)
    assert len(parts) == 2 and parts[0] is first[0] and "transcript" in actions(parts[1])
    assert "Recap ready" in text_of(statuses(stage, thread)[0])


async def test_the_upload_does_not_wait_for_the_status_message_and_the_thread_keeps_order(stage,
                                                                                          app):
    stage.slack.delay("chat.postMessage", 1.0)  # Slack is slow to post the status message
    thread = await share(stage, app)

    await stage.slack.wait_for(lambda: stage.assemblyai.uploads == 1)
    assert statuses(stage, thread) == []  # the upload went out while the status was on its way
    await wait_reaction(stage, thread, "white_check_mark")
    status, recap = bot_replies(stage, thread)
    assert "Recap ready" in text_of(status) and float(status.ts) < float(recap.ts)
    assert recaps(stage, thread) == [recap]


async def test_a_refused_status_message_fails_the_job_before_the_llm_is_asked(stage, app):
    stage.slack.error_next("chat.postMessage", "not_in_channel")  # the first post: the status
    thread = await share(stage, app)

    await wait_reaction(stage, thread, "x")
    (status,) = statuses(stage, thread)
    assert "Slack refused to post the recap (not_in_channel). Press Retry" in text_of(status)
    assert stage.llm.calls == 0 and recaps(stage, thread) == []
    assert row(stage)["state"] == "failed"
