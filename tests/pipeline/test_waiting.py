"""Waiting for AssemblyAI: how many GETs a job costs, with and without its webhook.

Real servers: the AssemblyAI simulator, and in webhook mode Recap's own webhook handler on a
loopback port (PUBLIC_URL), so the simulator's call reaches the waiting job as in production.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiohttp import web

from bot.config import load
from bot.core.polling import MIN_GAP_SHARE, safety_delay
from bot.core.sources import Source
from bot.deps import Deps, open_deps
from bot.edges.store.postgres_notify import RELISTENED
from bot.pipeline.transcripts import get_transcript
from bot.sim.assemblyai import AssemblyAISim
from bot.sim.stage import free_port
from bot.webhook import DEPS, handle_webhook

TURNS = [("A", 0, 2500, "Morning, everyone."), ("B", 2600, 7100, "Let's ship on Friday.")]
POLL = 0.05  # every time constant of the schedule scales with POLL_INTERVAL
TEN_MINUTES_MS = 10 * 60_000  # expected turnaround ~15.7 s at 3 s, so ~0.26 s here


def source(name: str, duration_ms: int | None) -> Source:
    return Source(kind="url", key=f"url:{name}", name=name, url=f"https://example.com/{name}",
                  duration_ms=duration_ms)


async def deps_for(tmp_path: Path, sim: AssemblyAISim, public_url: str | None = None) -> Deps:
    env = {"DATABASE_PATH": str(tmp_path / "recap.db"), "ASSEMBLYAI_API_KEY": sim.api_key,
           "ASSEMBLYAI_BASE_URL": sim.base_url, "POLL_INTERVAL": str(POLL)}
    if public_url:
        env["PUBLIC_URL"] = public_url
    return await open_deps(load(env))


async def test_webhook_mode_fetches_once_after_the_webhook_and_never_before(tmp_path):
    port = free_port()
    async with AssemblyAISim(processing_seconds=0.3) as sim:
        sim.script("*", utterances=TURNS)
        deps = await deps_for(tmp_path, sim, f"http://127.0.0.1:{port}")
        app = web.Application()
        app[DEPS] = deps
        app.router.add_post("/assemblyai/webhook", handle_webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            transcript, cached = await get_transcript(deps, source("standup.mp3", TEN_MINUTES_MS))
        finally:
            await runner.cleanup()
            await deps.aclose()
    assert not cached and transcript.utterances[1].text == "Let's ship on Friday."
    assert len(sim.webhooks) == 1 and sim.webhooks[0].status_code == 200
    assert sim.gets == 1  # the result, after the webhook; no look before it


async def test_webhook_mode_polls_for_a_lost_webhook_only_after_the_safety_delay(tmp_path):
    port = free_port()  # nothing listens: the webhook is lost
    async with AssemblyAISim(processing_seconds=0.1, webhook_max_attempts=1) as sim:
        sim.script("*", utterances=TURNS)
        deps = await deps_for(tmp_path, sim, f"http://127.0.0.1:{port}")
        try:
            transcript, _ = await get_transcript(deps, source("lost.mp3", 60_000))
        finally:
            await deps.aclose()
    assert transcript.id == sim.transcript_ids[-1]
    assert sim.gets == 1  # the safety look (after >= 20 poll intervals) finds it done


async def test_a_job_told_to_look_before_it_is_done_polls_on_instead_of_waiting_it_out(
        tmp_path):
    """A worker whose LISTEN connection came back wakes its waiting jobs (RELISTENED): one
    still being transcribed looks, then polls on its schedule, not after the safety delay."""
    port = free_port()  # nothing listens: its webhook is lost
    async with AssemblyAISim(processing_seconds=0.4, webhook_max_attempts=1) as sim:
        sim.script("*", utterances=TURNS)
        deps = await deps_for(tmp_path, sim, f"http://127.0.0.1:{port}")

        async def relisten() -> None:
            while not deps.completions:
                await asyncio.sleep(0.005)
            for future in deps.completions.values():
                future.set_result(RELISTENED)

        waking = asyncio.create_task(relisten())
        try:
            transcript, _ = await get_transcript(deps, source("cut.mp3", 60_000))
        finally:
            await waking
            await deps.aclose()
    looks = [r for r in sim.requests if r.method == "GET"]
    created = next(r for r in sim.requests if r.path == "/v2/transcript" and r.method == "POST")
    assert transcript.id == sim.transcript_ids[-1] and len(looks) >= 2
    assert looks[0].at - created.at < 0.4  # looked while it was still being transcribed
    assert looks[-1].at - created.at < safety_delay(60_000, POLL)  # found by polling on


async def test_polling_mode_waits_for_the_window_and_spends_few_gets(tmp_path):
    async with AssemblyAISim(processing_seconds=0.25) as sim:
        sim.script("*", utterances=TURNS)
        deps = await deps_for(tmp_path, sim)
        started = time.monotonic()
        try:
            await get_transcript(deps, source("standup.mp3", TEN_MINUTES_MS))
        finally:
            elapsed = time.monotonic() - started
            await deps.aclose()
    # No look before the window (0.6x the expected ~0.26 s), so none while queued, and never
    # more than one GET per 2/3 of POLL_INTERVAL on average (a slower run only loosens this).
    assert 1 <= sim.gets <= 1 + elapsed / (MIN_GAP_SHARE * POLL), (sim.gets, elapsed)


async def test_a_resumed_job_is_looked_at_at_once(tmp_path):
    async with AssemblyAISim(processing_seconds=0.05) as sim:
        sim.script("*", utterances=TURNS)
        deps = await deps_for(tmp_path, sim)
        try:
            transcript_id = await deps.transcriber.submit("https://example.com/a.mp3")
            while sim.transcript(transcript_id)["status"] != "completed":
                await deps.transcriber.fetch(transcript_id)
            before = sim.gets
            await get_transcript(deps, source("a.mp3", 180 * 60_000), known_id=transcript_id)
        finally:
            await deps.aclose()
    assert sim.gets - before == 1
