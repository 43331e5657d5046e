"""A huge transcript is parsed and chunked off the event loop, so other jobs keep moving.

Measured as a person would notice it: a ticker on the loop never waits long, while the
pipeline reads a ~6 MB, 60,000-line transcript file (about 0.5 s of parsing and as much
chunking, which inline would stall every other job and Slack's 3-second acks).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.config import load
from bot.core.sources import Source
from bot.deps import open_deps
from bot.pipeline import answer, get_transcript
from bot.sim.llm import LLMSim

LINES = 60_000
STALL = 0.2  # seconds; inline, each step stalls the loop for well over twice this


@asynccontextmanager
async def longest_stall() -> AsyncIterator[list[float]]:
    """Yields a list that holds, on exit, the longest pause between ticks of a 5 ms ticker."""
    worst = [0.0]
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            worst[0] = max(worst[0], now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        yield worst
    finally:
        done.set()
        await ticker


async def test_a_huge_transcript_file_does_not_stall_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "offsite.txt"
    with path.open("w") as out:
        for i in range(LINES):
            who = "Alice" if i % 2 else "Bob"
            out.write(f"[{i // 3600}:{i // 60 % 60:02d}:{i % 60:02d}] {who}: Point {i} is about "
                      "the budget and the launch plan for the quarter.\n")
    async with LLMSim() as llm:
        config = load({"DATABASE_PATH": str(tmp_path / "recap.db"),
                       "LLM_BASE_URL": f"{llm.base_url}/v1", "LLM_API_KEY": llm.api_key})
        deps = await open_deps(config)
        try:
            source = Source(kind="path", key="sha256:offsite", name=path.name, path=str(path),
                            size=path.stat().st_size, is_transcript=True)
            async with longest_stall() as parsing:
                transcript, cached = await get_transcript(deps, source)
            assert len(transcript.utterances) == LINES and not cached

            async with longest_stall() as chunking:
                reply = await answer(deps, transcript.id, "What about the quarter?", [])
            assert reply.startswith("At [") and "the launch plan for the quarter" in reply
        finally:
            await deps.aclose()
    assert parsing[0] < STALL
    assert chunking[0] < STALL
