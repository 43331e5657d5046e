"""P8: a burst of recordings while the Slack simulator enforces Slack's own rate limits.

40 stand-ups at once in 40 channels of one workspace, through the real app, twice: with the
Slack tiers on (a 6 s "minute" at the bench's 1/10 scale, the app told the same:
SLACK_RATE_PERIOD=6) and off. Measured per job: from its recap being ready (the LLM simulator
answers the job's last request; each transcript carries a marker naming its job) to the recap
being posted (the answer to its chat.postMessage). The LLM limit is lifted here so only Slack's
limits differ between the two bursts. Reported: p50/p99 under the tiers, as a ratio to the
same burst without them, and the 429s Recap received.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from bench.harness import (
    AAI_LATENCY,
    LLM_LATENCY,
    SCALE,
    SLACK_LATENCY,
    GatewaySim,
    Row,
    percentile,
    start_app,
)
from bot.sim.assemblyai import AssemblyAISim
from bot.sim.samples import sample_utterances
from bot.sim.stage import Stage

RECORDINGS = 40
PERIOD = 60.0 / SCALE
MARK = re.compile(r"Ticket RB-(\d+)")


@dataclass(eq=False)
class ReadyClock(GatewaySim):
    """The Gateway simulator, noting when it answered each job's (last) request."""

    ready: dict[str, float] = field(default_factory=dict)

    async def _complete(self, request: web.Request,
                        headers: dict[str, str] | None = None) -> web.StreamResponse:
        body = await request.text()
        response = await super()._complete(request, headers)
        if found := MARK.search(body):
            self.ready[found[1]] = time.monotonic()
        return response


@asynccontextmanager
async def _stage() -> AsyncIterator[Stage]:
    workdir = tempfile.mkdtemp(prefix="recap-bench-")
    try:
        async with Stage(workdir=workdir, llm=ReadyClock(latency=LLM_LATENCY),
                         assemblyai=AssemblyAISim()) as stage:
            stage.slack.delay("*", SLACK_LATENCY)
            stage.assemblyai.delay("/v2/", AAI_LATENCY)
            stage.assemblyai.processing_seconds = 0.3
            yield stage
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _burst(recordings: int, tiers: bool) -> tuple[list[float], int]:
    """One burst: each job's seconds from recap ready to posted, and the 429s received."""
    async with _stage() as stage:
        slack = stage.slack
        if tiers:
            slack.enable_tiers(period=PERIOD)
        app = await start_app(stage, webhook=False, SLACK_RATE_PERIOD=f"{PERIOD:g}",
                              LLM_RPM="1000", LLM_RATE_PERIOD="1", LLM_CONCURRENCY="32")
        threads: dict[str, str] = {}
        envelopes = []
        for n in range(recordings):
            talk = sample_utterances()
            speaker, start, end, text = talk[0]
            talk[0] = (speaker, start, end, f"Ticket RB-{n}. {text}")
            file = slack.add_file(f"standup-{n}.mp3", content=f"ID3 standup {n}".encode())
            stage.assemblyai.script(slack.file_sha256(file), talk)
            envelope = slack.user_message(f"C0TIER{n:02d}", "", files=[file])
            threads[str(envelope["event"]["ts"])] = str(n)
            envelopes.append(envelope)
        await asyncio.gather(*(slack.deliver(app.events_url, e) for e in envelopes))

        def posted() -> dict[str, float]:
            return {threads[c.args["thread_ts"]]: c.at + SLACK_LATENCY
                    for c in slack.calls("chat.postMessage")
                    if c.ok and c.args.get("thread_ts") in threads
                    and "transcript" in str(c.args.get("blocks"))}

        await slack.wait_for(lambda: len(posted()) == recordings, timeout=120, interval=0.05)
        assert isinstance(stage.llm, ReadyClock)
        ready, done = stage.llm.ready, posted()
        return [done[n] - ready[n] for n in done], slack.ratelimited_total


async def run(quick: bool = False) -> list[Row]:
    recordings = 10 if quick else RECORDINGS
    free, _ = await _burst(recordings, tiers=False)
    limited, received = await _burst(recordings, tiers=True)
    p50, p99 = percentile(limited, 50), percentile(limited, 99)
    base50, base99 = percentile(free, 50), percentile(free, 99)
    ratio = p99 / base99 if base99 > 0 else None
    how = (f"{recordings} stand-ups in {recordings} channels of one workspace; Slack tiers per "
           f"{PERIOD:g} s (a minute at 1/{SCALE} scale) vs none; LLM not limited")
    details = {"p50_s": round(p50, 3), "p99_s": round(p99, 3), "no_tiers_p50_s":
               round(base50, 3), "no_tiers_p99_s": round(base99, 3),
               "p50_ratio": round(p50 / base50, 3) if base50 > 0 else None}
    return [
        Row("P8", f"burst of {recordings} under Slack's tiers: recap ready -> posted, p99",
            round(p99, 3), "s", "ratio <= 1.5", None if ratio is None else ratio <= 1.5,
            None if ratio is None else round(ratio, 3), how, details),
        Row("P8", f"burst of {recordings} under Slack's tiers: Slack 429s received", received,
            "429s", "<= 5", received <= 5, None, how),
    ]
