"""P5: a 1 GiB recording relayed from Slack's file host into AssemblyAI's upload.

Through the real app: the bench drops the file, the app streams it from the Slack simulator
into the AssemblyAI simulator. Its resident memory is sampled every 5 ms (psutil, on a thread)
and its throughput is compared with bench/barerelay.py, the barest aiohttp loop, run as its
own process against the same two simulators.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from bench.harness import Row, RssSampler, bench_stage, drop, start_app, wait_recaps
from bot.sim.slack import patterned
from bot.sim.stage import Stage

GIB = 1 << 30
MB = 1 << 20


async def _wait_for(predicate, timeout: float = 300, every: float = 0.005) -> float:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the relay did not finish in time")
        await asyncio.sleep(every)
    return time.monotonic()


ROUNDS = 2  # Recap and the bare loop take turns, so a noisy neighbour hits both alike


async def _bare(stage: Stage, file: dict) -> dict:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.barerelay", file["url_private_download"],
        stage.slack.bot_token, f"{stage.assemblyai.base_url}/v2/upload",
        stage.assemblyai.api_key, stdout=asyncio.subprocess.PIPE)
    out, _ = await child.communicate()
    return dict(json.loads(out))


async def run(quick: bool = False) -> list[Row]:
    size = GIB // 8 if quick else GIB
    recap_s, bare_s, intact, bare_intact = [], [], [], []
    async with bench_stage() as stage:
        app = await start_app(stage, webhook=False)
        assert app.process is not None
        warm = stage.slack.add_file("warmup.mp3")
        ts, _ = await drop(stage, app, warm)
        await wait_recaps(stage, [ts], timeout=30)
        await asyncio.sleep(0.5)

        with RssSampler(app.process.pid) as rss:
            before = rss.rss()
            for n in range(ROUNDS):
                file = stage.slack.add_file(f"board-meeting-{n}.mp4", size=size,
                                            generator=patterned("mp4", seed=5 + n),
                                            duration_ms=2 * 3600_000)
                uploads, downloads = len(stage.assemblyai.uploaded), len(stage.slack.downloads)
                await drop(stage, app, file)
                started = await _wait_for(lambda n=downloads: len(stage.slack.downloads) > n, 30)
                finished = await _wait_for(lambda n=uploads: len(stage.assemblyai.uploaded) > n)
                recap_s.append(finished - started)
                upload = stage.assemblyai.uploaded[uploads]
                bare = await _bare(stage, file)
                bare_s.append(bare["seconds"])
                expected = await asyncio.to_thread(stage.slack.file_sha256, file)
                intact.append(upload.size == size and upload.sha256 == expected)
                bare_intact.append(stage.assemblyai.uploaded[-1].sha256 == expected)

    growth = (rss.peak - before) / MB
    throughput = ROUNDS * size / sum(recap_s) / MB
    bare_throughput = ROUNDS * size / sum(bare_s) / MB
    ratio = throughput / bare_throughput
    label = f"{size / GIB:g} GiB" if size >= GIB else f"{size // MB} MiB"
    how = "through the app (its process, sampled by psutil every 5 ms)"
    return [
        Row("P5", f"relay {label}: peak RSS growth of the Recap process", round(growth, 1),
            "MB", "<= 32 MB", growth <= 32, None, how,
            {"rss_before_mb": round(before / MB, 1), "rss_peak_mb": round(rss.peak / MB, 1),
             "samples": rss.samples, "relays": ROUNDS}),
        Row("P5", f"relay {label}: throughput / bare aiohttp loop", round(throughput, 1),
            "MB/s", ">= 0.5", ratio >= 0.5, round(ratio, 3),
            f"first byte requested -> upload answered; {ROUNDS} turns each with "
            "bench/barerelay.py",
            {"bare_mb_s": round(bare_throughput, 1), "recap_s": [round(t, 2) for t in recap_s],
             "bare_s": [round(t, 2) for t in bare_s]}),
        Row("P5", f"relay {label}: bytes and sha256 arrive intact", size, "bytes",
            "equal", all(intact), None, "AssemblyAI simulator's record vs the Slack file",
            {"sha256_match": intact, "bare_sha256_match": bare_intact}),
    ]
