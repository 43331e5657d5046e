"""P1: how fast Slack gets its HTTP 200 when 10, 50 and 200 recordings are shared at once.

Through the real app (polling mode), a fresh one per burst size. Every event of a burst is
sent at the same instant, so each ack races every other one for the event loop and the
store; each is timed by bench/ackprobe.py in its own process, from its request's headers on
the wire to its answer (from its start in the probe, before the probe's own work of opening
the other connections, as "queued_*" in the details). The jobs keep running behind
the acks (uploads, creates, polls); the clock stops at each HTTP 200.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

from bench.harness import CHANNEL, Row, bench_stage, drop, percentile, start_app, wait_recaps
from bot.sim.slack import patterned

SIZES = (10, 50, 200)
GOAL_AT = 50
GOAL_MS = 50.0


async def burst(size: int) -> dict[str, float | int]:
    """p50/p99/max (ms) of the acks of `size` recordings shared at the same instant."""
    async with bench_stage() as stage:
        app = await start_app(stage, webhook=False)
        warm = stage.slack.add_file("warmup.mp3")
        ts, _ = await drop(stage, app, warm)
        await wait_recaps(stage, [ts], timeout=30)

        wire = []
        for n in range(size):
            file = stage.slack.add_file(f"call-{n}.mp3", generator=patterned("mp3", seed=100 + n))
            envelope = stage.slack.user_message(CHANNEL, "", user="U0BOB", files=[file])
            body = json.dumps(envelope)
            headers = {"Content-Type": "application/json", **stage.slack.sign(body.encode())}
            wire.append({"at": 0.0, "body": body, "headers": headers})
        t0 = time.monotonic() + 0.5
        spec = json.dumps({"url": app.events_url, "t0": t0, "requests": wire}).encode()
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.ackprobe", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        out, _ = await child.communicate(spec)
        results = json.loads(out)
        # Every ack stands for a job: wait until each has reached AssemblyAI (created).
        deadline = time.monotonic() + 60
        while len(stage.assemblyai.transcript_ids) < size + 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        created = len(stage.assemblyai.transcript_ids) - 1
    latencies = [r["ms"] for r in results]
    return {
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(statistics.mean(latencies), 1),
        "max_ms": round(max(latencies), 1),
        "queued_p50_ms": round(percentile([r["queued_ms"] for r in results], 50), 1),
        "queued_p99_ms": round(percentile([r["queued_ms"] for r in results], 99), 1),
        "non_200": sum(r["status"] != 200 for r in results),
        "jobs_created": created,
    }


async def run(quick: bool = False) -> list[Row]:
    rows: list[Row] = []
    for size in (10, 50) if quick else SIZES:
        found = await burst(size)
        ok = found["non_200"] == 0 and found["jobs_created"] == size
        goal = f"< {GOAL_MS:g} ms" if size == GOAL_AT else "-"
        met = (found["p99_ms"] < GOAL_MS and ok) if size == GOAL_AT else None
        how = "through the app (polling mode): all sent at once, timed in a separate process"
        rows.append(Row("P1", f"ack p50, {size} recordings shared at once", found["p50_ms"],
                        "ms", "-", None, None, how))
        rows.append(Row("P1", f"ack p99, {size} recordings shared at once", found["p99_ms"],
                        "ms", goal, met, None, how, found))
    return rows
