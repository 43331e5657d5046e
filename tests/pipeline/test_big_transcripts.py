"""A huge transcript file (~6 MB, 60,000 lines) is read, chunked and answered from.

Parsing and chunking that much run in a worker thread; how long the event loop would stall
otherwise is measured in bench/, not asserted here (timing never decides a test).
"""

from __future__ import annotations

from pathlib import Path

from bot.config import load
from bot.core.sources import Source
from bot.deps import open_deps
from bot.pipeline import answer, get_transcript
from bot.sim.llm import LLMSim

LINES = 60_000


async def test_a_huge_transcript_file_is_read_whole_and_answered_from(tmp_path: Path) -> None:
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
            transcript, cached = await get_transcript(deps, source)
            assert len(transcript.utterances) == LINES and not cached

            reply = await answer(deps, transcript.id, "What about the quarter?", [])
            assert reply.startswith("At [") and "the launch plan for the quarter" in reply
        finally:
            await deps.aclose()
