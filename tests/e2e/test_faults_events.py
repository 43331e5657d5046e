"""Slack delivers the same upload more than once: retries while the first delivery is still
running, and both message/file_share and file_shared, in either order. One transcription, one
status message, one recap; every delivery acknowledged at once, never with a 404."""

from __future__ import annotations

import asyncio

from tests.e2e.people import (
    CHANNEL,
    deliver,
    recaps,
    rows,
    share_event,
    statuses,
    text_of,
    wait_reaction,
)


async def test_retried_and_doubled_deliveries_make_one_recap(stage, app):
    stage.assemblyai.processing_seconds = 1.0  # the first delivery is still being worked on
    envelope = share_event(stage)
    thread = envelope["event"]["ts"]
    file_shared = stage.slack.file_shared_event(envelope["event"]["files"][0]["id"], CHANNEL)

    first = await deliver(stage, app, envelope)
    await stage.slack.wait_for(lambda: stage.assemblyai.creates == 1)
    again = await asyncio.gather(
        *(deliver(stage, app, envelope, retry_num=n) for n in (1, 2, 3)),
        deliver(stage, app, file_shared),
        deliver(stage, app, file_shared, retry_num=1),
    )
    await wait_reaction(stage, thread, "white_check_mark")

    for status, seconds in [first, *again]:
        assert status == 200 and seconds < 1.0
    assert stage.assemblyai.uploads == 1 and stage.assemblyai.creates == 1
    assert len(statuses(stage, thread)) == 1 and len(recaps(stage, thread)) == 1
    assert stage.llm.calls == 1
    assert len(rows(stage)) == 1
    assert "Recap ready" in text_of(statuses(stage, thread)[0])


async def test_file_shared_first_then_the_message_concurrently_is_one_job(stage, app):
    envelope = share_event(stage)
    thread = envelope["event"]["ts"]
    file_shared = stage.slack.file_shared_event(envelope["event"]["files"][0]["id"], CHANNEL)

    shared = await deliver(stage, app, file_shared)  # file_shared can arrive first
    await stage.slack.wait_for(lambda: rows(stage))
    message, retried = await asyncio.gather(
        deliver(stage, app, envelope), deliver(stage, app, file_shared, retry_num=1)
    )
    await wait_reaction(stage, thread, "white_check_mark")

    assert [shared[0], message[0], retried[0]] == [200, 200, 200]
    (job,) = rows(stage)
    assert job["thread_ts"] == thread and job["message_ts"] == thread  # under the upload
    assert stage.assemblyai.creates == 1
    assert len(statuses(stage, thread)) == 1 and len(recaps(stage, thread)) == 1


async def test_socket_mode_takes_a_first_delivery_marked_retry_attempt_0_once(stage):
    await stage.app(SLACK_APP_TOKEN=stage.slack.app_token)
    envelope = share_event(stage)
    thread = envelope["event"]["ts"]

    ack = await stage.slack.socket_send("events_api", envelope, retry_attempt=0)
    await stage.slack.socket_send("events_api", envelope, retry_attempt=1, retry_reason="timeout")
    await wait_reaction(stage, thread, "white_check_mark")

    assert ack["envelope_id"]
    assert stage.assemblyai.creates == 1
    assert len(statuses(stage, thread)) == 1 and len(recaps(stage, thread)) == 1


async def test_a_question_to_recap_delivered_four_times_is_answered_once(stage, app):
    envelope = share_event(stage)
    thread = envelope["event"]["ts"]
    await deliver(stage, app, envelope)
    await wait_reaction(stage, thread, "white_check_mark")
    calls = stage.llm.calls

    question = stage.slack.app_mention(CHANNEL, "what did Bob say about the launch?",
                                       thread_ts=thread)
    acks = await asyncio.gather(
        deliver(stage, app, question),
        *(deliver(stage, app, question, retry_num=n) for n in (1, 2, 3)),
    )
    await stage.slack.wait_for(lambda: stage.llm.calls == calls + 1)
    await asyncio.sleep(0.5)  # time for a second answer, were one coming

    assert all(status == 200 and seconds < 1.0 for status, seconds in acks)
    assert stage.llm.calls == calls + 1
    answers = [m for m in statuses(stage, thread) if "Recap ready" not in text_of(m)]
    assert len(answers) == 1


async def test_a_question_delivered_again_after_a_restart_is_not_answered_twice(stage, app):
    """The process's own memory of taken events is gone after a restart: the store's record
    (written after the 200) is what drops the resend."""
    envelope = share_event(stage)
    thread = envelope["event"]["ts"]
    await deliver(stage, app, envelope)
    await wait_reaction(stage, thread, "white_check_mark")
    question = stage.slack.app_mention(CHANNEL, "what did Bob say about the launch?",
                                       thread_ts=thread)
    before = stage.llm.calls
    await deliver(stage, app, question)
    await stage.slack.wait_for(lambda: stage.llm.calls == before + 1)
    await stage.slack.wait_for(lambda: len(statuses(stage, thread)) == 2)
    calls = stage.llm.calls
    assert await app.stop() == 0

    again = await stage.app()  # same DATABASE_PATH
    status, _ = await deliver(stage, again, question, retry_num=1)
    await asyncio.sleep(0.5)  # time for a second answer, were one coming

    assert status == 200
    assert stage.llm.calls == calls
    answers = [m for m in statuses(stage, thread) if "Recap ready" not in text_of(m)]
    assert len(answers) == 1
