"""The Retry button on a failed job's status message runs it again from its last good step: a
recording already transcribed is not transcribed again, and the same message turns to done."""

from __future__ import annotations

import asyncio

from tests.e2e.people import (
    button,
    click,
    reactions,
    recaps,
    row,
    share,
    statuses,
    text_of,
    wait_reaction,
)


async def test_retry_after_the_llm_is_fixed_reuses_the_transcript_and_the_status_message(
    stage, app
):
    stage.llm.unknown_model = True
    thread = await share(stage, app)
    await wait_reaction(stage, thread, "x")
    (failed,) = statuses(stage, thread)
    assert "LLM_MODEL" in text_of(failed) and row(stage)["state"] == "failed"
    seen = len(stage.assemblyai.requests)

    stage.llm.unknown_model = False  # the operator fixed the model
    job_id = button(failed, "retry")["value"]
    await asyncio.gather(  # a double click: the second changes nothing
        click(stage, app, failed, "retry", job_id), click(stage, app, failed, "retry", job_id)
    )
    await wait_reaction(stage, thread, "white_check_mark")

    assert len(stage.assemblyai.requests) == seen  # no upload, no create, no poll
    (status,) = statuses(stage, thread)
    assert status.ts == failed.ts and "Recap ready" in text_of(status)
    assert len(recaps(stage, thread)) == 1
    assert reactions(stage, thread) == {"white_check_mark"}
    job = row(stage)
    assert job["state"] == "posted" and job["error"] is None and job["attempts"] == 1
