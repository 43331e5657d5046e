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


async def test_a_question_about_the_end_of_three_hours_is_answered_from_the_end(
        tmp_path: Path) -> None:
    """Retrieval over the whole recording: the one passage that holds the answer is in the
    request, wherever it was said, and the request stays within one call's budget."""
    path = tmp_path / "planning.txt"
    with path.open("w") as out:
        for i in range(3 * 360):  # a line every 10 s for 3 hours
            out.write(f"[{i // 360}:{i // 6 % 60:02d}:{i % 6 * 10:02d}] Alice: Item {i} is "
                      "about hiring and the roadmap.\n")
        out.write("[3:00:05] Dana: The zeppelin budget is four thousand euros.\n")
    async with LLMSim() as llm:
        config = load({"DATABASE_PATH": str(tmp_path / "recap.db"), "CHUNK_TOKENS": "4000",
                       "LLM_BASE_URL": f"{llm.base_url}/v1", "LLM_API_KEY": llm.api_key})
        deps = await open_deps(config)
        try:
            source = Source(kind="path", key="sha256:planning", name=path.name, path=str(path),
                            size=path.stat().st_size, is_transcript=True)
            transcript, _ = await get_transcript(deps, source)

            await answer(deps, transcript.id, "What did Dana say about the zeppelin budget?", [])
            prompt = llm.completions[-1].request["messages"][0]["content"]
            assert "The zeppelin budget is four thousand euros." in prompt
            assert "[03:00:05]" in prompt or "3:00:05" in prompt
            assert "Item 1079 " in prompt  # the passage around it, not the whole last part:
            assert "Item 1000 " not in prompt and "Item 5 " not in prompt
        finally:
            await deps.aclose()
