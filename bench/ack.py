"""P1: how fast Slack gets its HTTP 200 while 50 recordings are in flight.

Through the real app. 50 people drop a recording within a second, while the channel keeps
chatting (a plain message every 25 ms) until every recap is posted. Each event's
acknowledgement is timed by bench/ackprobe.py in its own process.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time

from bench.harness import (
    CHANNEL,
    Row,
    bench_stage,
    drop,
    percentile,
    recap_posts,
    start_app,
    wait_recaps,
)
from bot.sim.slack import patterned

RECORDINGS = 50
DROP_EVERY_S = 0.02
CHATTER_EVERY_S = 0.025
CHATTER_FOR_S = 12.0


async def run(quick: bool = False) -> list[Row]:
    recordings = 10 if quick else RECORDINGS
    chatter_for = 4.0 if quick else CHATTER_FOR_S
    async with bench_stage() as stage:
        app = await start_app(stage, webhook=False)
        warm = stage.slack.add_file("warmup.mp3")
        ts, _ = await drop(stage, app, warm)
        await wait_recaps(stage, [ts], timeout=30)

        requests, drops = [], []
        for n in range(recordings):
            file = stage.slack.add_file(f"call-{n}.mp3", generator=patterned("mp3", seed=100 + n))
            envelope = stage.slack.user_message(CHANNEL, "", user="U0BOB", files=[file])
            drops.append(envelope["event"]["ts"])
            requests.append(("drop", n * DROP_EVERY_S, envelope))
        for n in range(int(chatter_for / CHATTER_EVERY_S)):
            envelope = stage.slack.user_message(CHANNEL, f"chatter {n}: lunch at noon?")
            requests.append(("chatter", n * CHATTER_EVERY_S, envelope))
        wire = []
        for _, at, envelope in requests:
            body = json.dumps(envelope)
            headers = {"Content-Type": "application/json", **stage.slack.sign(body.encode())}
            wire.append({"at": at, "body": body, "headers": headers})

        t0 = time.monotonic() + 0.5
        spec = json.dumps({"url": app.events_url, "t0": t0, "requests": wire}).encode()
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.ackprobe", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)
        probe = asyncio.create_task(child.communicate(spec))
        posted = await wait_recaps(stage, drops, timeout=chatter_for + 60)
        out, _ = await probe
        results = json.loads(out)
        rate_limited = stage.llm.rate_limited

    last_recap = max(posted.values())
    first_recap = min(min(recap_posts(stage, ts)) for ts in drops)
    last_drop = max(r["sent"] for (kind, _, _), r in zip(requests, results, strict=True)
                    if kind == "drop")
    during = [r for r in results if r["sent"] <= last_recap]
    all_in_flight = [r["ms"] for r in during if last_drop <= r["sent"] <= first_recap]
    latencies = [r["ms"] for r in during]
    bad = [r["status"] for r in results if r["status"] != 200]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    details = {
        "events": len(latencies), "non_200": len(bad), "p50_ms": round(p50, 1),
        "mean_ms": round(statistics.mean(latencies), 1), "max_ms": round(max(latencies), 1),
        "p99_ms_while_all_in_flight": round(percentile(all_in_flight, 99), 1)
        if all_in_flight else None,
        "events_while_all_in_flight": len(all_in_flight),
        "burst_s": round(last_recap - t0, 2), "llm_429s": rate_limited,
    }
    return [
        Row("P1", f"ack p50 with {recordings} recordings in flight", round(p50, 1), "ms",
            "-", None, None, "through the app (polling mode); timed in a separate process",
            None),
        Row("P1", f"ack p99 with {recordings} recordings in flight", round(p99, 1), "ms",
            "< 100 ms", p99 < 100 and not bad, None,
            "Slack event -> HTTP 200, every event from the first drop to the last recap",
            details),
    ]
