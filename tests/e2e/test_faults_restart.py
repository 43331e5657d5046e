"""The app process dies (kill -9) or is told to stop (SIGTERM) in the middle of jobs. The next
start resumes each job from its last stored step: a submitted transcript is polled by its id
(no second upload or create), the same status message is edited, the recap is posted once."""

from __future__ import annotations

import asyncio
import time

from tests.e2e.people import (
    CHANNEL,
    deliver,
    recaps,
    rows,
    share,
    share_event,
    statuses,
    text_of,
    wait_reaction,
)


async def test_kill_9_after_the_transcript_was_submitted_resumes_by_polling(stage, app):
    stage.assemblyai.processing_seconds = 2.5
    thread = await share(stage, app)
    await stage.slack.wait_for(  # the status is posted beside the upload: both are stored
        lambda: stage.assemblyai.creates == 1 and rows(stage)[0]["transcript_id"]
        and rows(stage)[0]["status_ts"])
    status_ts = rows(stage)[0]["status_ts"]
    await app.kill()
    gets_before = stage.assemblyai.gets

    await stage.app()  # same DATABASE_PATH
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.uploads == 1 and stage.assemblyai.creates == 1
    assert stage.assemblyai.gets > gets_before  # polled by the stored id
    (status,) = statuses(stage, thread)
    assert status.ts == status_ts and "Recap ready" in text_of(status)
    assert len(recaps(stage, thread)) == 1
    (job,) = rows(stage)
    assert job["state"] == "posted" and job["transcript_id"] == stage.assemblyai.transcript_ids[0]


async def test_kill_9_during_summarization_resumes_without_transcribing_again(stage, app):
    stage.llm.delay("/v1/chat/completions", 30)
    thread = await share(stage, app)
    await stage.slack.wait_for(lambda: stage.llm.count("POST") == 1)  # the summary is being written
    status_ts = rows(stage)[0]["status_ts"]
    await app.kill()
    stage.llm.delay("/v1/chat/completions", 0)

    await stage.app()
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.uploads == 1 and stage.assemblyai.creates == 1
    (status,) = statuses(stage, thread)
    assert status.ts == status_ts and "Recap ready" in text_of(status)
    assert len(recaps(stage, thread)) == 1
    assert stage.llm.calls == 1  # the killed call was never answered


async def test_sigterm_exits_0_quickly_and_the_next_start_finishes_everything(stage, app):
    stage.llm.delay("/v1/chat/completions", 30)
    first = [await share(stage, app), await share(stage, app, "retro.mp3")]
    await stage.slack.wait_for(lambda: stage.llm.count("POST") == 2)
    # A third recording is being submitted when SIGTERM lands: its create is slow.
    stage.assemblyai.delay("/v2/transcript", 1.5)
    third = await share(stage, app, "planning.mp3")
    await stage.slack.wait_for(lambda: stage.assemblyai.creates == 3)

    started = time.monotonic()
    stopping = asyncio.create_task(app.stop())
    await asyncio.sleep(0.2)
    late = share_event(stage, "late.mp3")  # Slack delivers an event during the shutdown
    late_status, _ = await deliver(stage, app, late)
    code = await stopping

    assert code == 0 and time.monotonic() - started < 10
    assert "stopped cleanly" in app.logs()
    states = {r["thread_ts"]: r for r in rows(stage)}
    assert [states[ts]["state"] for ts in first] == ["summarizing", "summarizing"]
    assert states[third]["transcript_id"]  # the create finished and its id was stored
    assert late_status != 200 or late["event"]["ts"] in states  # refused, or taken and stored

    stage.llm.delay("/v1/chat/completions", 0)
    stage.assemblyai.delay("/v2/transcript", 0)
    again = await stage.app()
    if late_status != 200:  # Slack retries a refused delivery
        assert (await deliver(stage, again, late, retry_num=1))[0] == 200
    threads = [*first, third, late["event"]["ts"]]
    for thread in threads:
        await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.uploads == 4 and stage.assemblyai.creates == 4
    for thread in threads:
        assert len(statuses(stage, thread)) == 1 and len(recaps(stage, thread)) == 1


async def test_an_event_acknowledged_just_before_sigterm_is_stored_and_done_after_restart(
    stage, app
):
    stage.slack.delay("files.info", 1.0)  # the listener is still at work when SIGTERM lands
    envelope = share_event(stage)
    thread = envelope["event"]["ts"]
    file_shared = stage.slack.file_shared_event(envelope["event"]["files"][0]["id"], CHANNEL)
    status, seconds = await deliver(stage, app, file_shared)
    assert status == 200 and seconds < 1.0  # acknowledged before the work

    assert await app.stop() == 0
    (job,) = rows(stage)  # stored by the listener during the shutdown, not started
    assert job["state"] == "queued" and job["thread_ts"] == thread

    stage.slack.delay("files.info", 0)
    await stage.app()
    await wait_reaction(stage, thread, "white_check_mark")
    assert len(statuses(stage, thread)) == 1 and len(recaps(stage, thread)) == 1


async def test_sigterm_in_socket_mode_exits_0_and_the_next_start_finishes_the_job(stage):
    socket_mode = {"SLACK_APP_TOKEN": stage.slack.app_token}
    app = await stage.app(**socket_mode)
    stage.llm.delay("/v1/chat/completions", 30)
    envelope = share_event(stage)
    thread = envelope["event"]["ts"]
    await stage.slack.socket_send("events_api", envelope, retry_attempt=0)
    await stage.slack.wait_for(lambda: stage.llm.count("POST") == 1)

    started = time.monotonic()
    assert await app.stop() == 0 and time.monotonic() - started < 10
    stage.llm.delay("/v1/chat/completions", 0)
    await stage.app(**socket_mode)
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.creates == 1
    assert len(statuses(stage, thread)) == 1 and len(recaps(stage, thread)) == 1
