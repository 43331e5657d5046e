"""Webhook mode past one machine: AssemblyAI calls whichever web process the load balancer
picks, the job waits in a `recap worker`; the call reaches it through PostgreSQL NOTIFY."""

from __future__ import annotations

import os

from bot.sim.stage import free_port
from tests.e2e.people import recaps, share
from tests.e2e.workers import job_states, start_worker, stop

SLOW_POLL = {"POLL_INTERVAL": "3"}  # the safety poll waits 60 s+: only the NOTIFY is in time


def worker_log(stage) -> str:
    with open(os.path.join(stage.workdir, "worker-1.log")) as log:
        return log.read()


async def test_the_webhook_reaches_the_worker_through_the_other_web_process(stage, pg_url):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    enqueuing = await stage.app(DATABASE_URL=pg_url, PUBLIC_URL=public)
    await stage.app(port=port, DATABASE_URL=pg_url, PUBLIC_URL=public)
    worker = await start_worker(stage, pg_url, "worker-1", PUBLIC_URL=public, **SLOW_POLL)
    stage.assemblyai.processing_seconds = 1.0
    count = 3
    try:
        threads = [await share(stage, enqueuing, f"meeting-{i}.mp3") for i in range(count)]
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"] * count, timeout=30)
        for ts in threads:
            assert len(recaps(stage, ts)) == 1, ts
        calls = stage.assemblyai.webhooks
        assert len(calls) == count
        assert {(c.url, c.status_code) for c in calls} == {(f"{public}/assemblyai/webhook", 200)}
        assert stage.assemblyai.gets == count  # one GET after each call, no polling schedule
        assert "polling instead" not in worker_log(stage)
    finally:
        await stop(worker)


async def test_a_lost_webhook_is_covered_by_the_workers_safety_poll(stage, pg_url):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    web = await stage.app(port=port, DATABASE_URL=pg_url, PUBLIC_URL=public)
    worker = await start_worker(stage, pg_url, "worker-1", PUBLIC_URL=public)
    stage.assemblyai.webhook_enabled = False
    try:
        ts = await share(stage, web, duration_ms=1000)
        await stage.slack.wait_for(lambda: job_states(pg_url) == ["posted"], timeout=30)
        assert stage.assemblyai.webhooks_dropped == 1 and stage.assemblyai.webhooks == []
        assert len(recaps(stage, ts)) == 1
        assert "polling instead" in worker_log(stage)
    finally:
        await stop(worker)
