"""AssemblyAI misbehaves: a job that ends in error, 429s and 5xx on every call, a transcript
that never completes, a key from another project, a transcript it has since expired."""

from __future__ import annotations

from bot.sim.assemblyai import HTML_ERROR
from tests.e2e.people import (
    FAST_RETRIES,
    click,
    recaps,
    row,
    share,
    statuses,
    text_of,
    wait_reaction,
)


async def test_a_file_without_audio_fails_with_assemblyais_reason_and_no_llm_call(stage, app):
    stage.assemblyai.script("*", error=HTML_ERROR)
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "x")

    (status,) = statuses(stage, thread)
    assert text_of(status).startswith(
        ":x: AssemblyAI could not transcribe this recording: File does not appear to contain audio"
    )
    assert stage.llm.requests == [] and recaps(stage, thread) == []
    job = row(stage)
    assert job["state"] == "failed" and "does not appear to contain audio" in job["error"]


async def test_429_and_5xx_on_upload_create_and_get_are_retried(stage):
    app = await stage.app(**FAST_RETRIES)
    stage.assemblyai.fail_next("/v2/upload", 429, retry_after=0.05)
    stage.assemblyai.fail_next("/v2/upload", 502)
    stage.assemblyai.fail_next("/v2/transcript", 503)  # the create (GETs come after it)
    stage.assemblyai.fail_next("/v2/transcript", 429, retry_after=0.05)
    stage.assemblyai.fail_next("/v2/transcript/", 500, times=2)  # polls
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.uploads == 3  # two refused, one taken
    assert stage.assemblyai.creates == 3 and len(stage.assemblyai.transcript_ids) == 1
    assert len(recaps(stage, thread)) == 1
    assert row(stage)["state"] == "posted"


async def test_a_transcript_that_never_completes_times_out_and_retry_picks_it_up_later(stage):
    # The wait lasts 3x the audio (0.4 s here), at least 300 poll intervals (1.5 s here).
    app = await stage.app(POLL_INTERVAL="0.005")
    stage.assemblyai.script("*", never_complete=True)
    thread = await share(stage, app, duration_ms=400)
    await wait_reaction(stage, thread, "x")

    (status,) = statuses(stage, thread)
    assert "AssemblyAI had not finished transcribing after 2 seconds" in text_of(status)
    assert "Press Retry" in text_of(status)
    job = row(stage)
    assert job["state"] == "failed" and "had not finished" in job["error"]
    (transcript_id,) = stage.assemblyai.transcript_ids
    assert job["transcript_id"] == transcript_id  # kept for a late completion

    stage.assemblyai.complete(transcript_id)
    await click(stage, app, status, "retry")
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.uploads == 1 and stage.assemblyai.creates == 1
    (status,) = statuses(stage, thread)  # the same message, now done
    assert "Recap ready" in text_of(status)
    assert len(recaps(stage, thread)) == 1


async def test_a_key_from_another_project_is_an_operator_error_never_retried(stage):
    app = await stage.app(**FAST_RETRIES)
    stage.assemblyai.wrong_project = True
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "x")

    assert stage.assemblyai.creates == 1
    said = text_of(statuses(stage, thread)[0])
    assert "Cannot access uploaded file" in said and "ASSEMBLYAI_API_KEY" in said
    assert "ASSEMBLYAI_API_KEY" in row(stage)["error"]
    assert stage.llm.requests == []


async def test_a_transcript_expired_at_assemblyai_is_served_from_the_local_copy(stage, app):
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "white_check_mark")
    (transcript_id,) = stage.assemblyai.transcript_ids
    stage.assemblyai.expire(transcript_id)
    seen = len(stage.assemblyai.requests)

    await click(stage, app, recaps(stage, thread)[-1], "restyle:brief")
    await stage.slack.wait_for(lambda: len(recaps(stage, thread)) == 2)

    assert len(stage.assemblyai.requests) == seen  # not one request to AssemblyAI
    assert "TL;DR" in text_of(recaps(stage, thread)[-1])
