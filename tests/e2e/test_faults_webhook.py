"""Webhook mode (HTTP mode with PUBLIC_URL): AssemblyAI calls Recap back instead of being polled.
Only calls with the secret header count; duplicates change nothing; every call is answered at
once; a webhook that never comes is covered by a late safety poll."""

from __future__ import annotations

import time

import aiohttp

from bot.sim.stage import free_port
from tests.e2e.people import recaps, share, statuses, wait_reaction


async def webhook_app(stage):
    port = free_port()
    return await stage.app(port=port, PUBLIC_URL=f"http://127.0.0.1:{port}")


async def forged(app, transcript_id: str, headers: dict[str, str]) -> tuple[int, float]:
    started = time.monotonic()
    body = {"transcript_id": transcript_id, "status": "completed"}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{app.url}/assemblyai/webhook", json=body,
                                headers=headers) as response:
            return response.status, time.monotonic() - started


async def test_the_webhook_moves_the_job_on_without_polling_and_only_with_the_secret(stage):
    app = await webhook_app(stage)
    stage.assemblyai.processing_seconds = 1.0
    stage.assemblyai.webhook_duplicates = 2
    thread = await share(stage, app)
    # No look before the call (issue #13): it waits for the webhook.
    await stage.slack.wait_for(lambda: len(stage.assemblyai.transcript_ids) == 1)
    (transcript_id,) = stage.assemblyai.transcript_ids

    for headers in ({}, {"X-Recap-Webhook": "not-the-secret"}):
        status, seconds = await forged(app, transcript_id, headers)
        assert status == 401 and seconds < 1.0
    assert stage.assemblyai.gets == 0 and recaps(stage, thread) == []  # nothing moved
    await wait_reaction(stage, thread, "white_check_mark")

    calls = stage.assemblyai.webhooks
    await stage.slack.wait_for(lambda: len(calls) == 3 and all(c.status_code for c in calls))
    assert [(c.duplicate, c.status_code) for c in calls] == [
        (False, 200), (True, 200), (True, 200)
    ]
    assert stage.assemblyai.gets == 1  # one fetch after the call, none before it
    assert len(statuses(stage, thread)) == 1 and len(recaps(stage, thread)) == 1
    assert stage.llm.calls == 1


async def test_a_lost_webhook_is_covered_by_the_safety_poll(stage):
    app = await webhook_app(stage)
    stage.assemblyai.webhook_enabled = False
    thread = await share(stage, app, duration_ms=1000)
    await wait_reaction(stage, thread, "white_check_mark")

    assert stage.assemblyai.webhooks_dropped == 1 and stage.assemblyai.webhooks == []
    assert len(recaps(stage, thread)) == 1
