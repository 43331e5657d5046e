"""A long recording is mapped in more, smaller parts at once, within the input-token budget."""

from __future__ import annotations

from pathlib import Path

from bot.config import load
from bot.core.chunking import chunk_transcript
from bot.core.transcript import Transcript, Utterance
from bot.deps import open_deps
from bot.pipeline import summarize
from bot.sim.llm import LLMSim, estimate_tokens
from bot.sim.samples import meeting


async def _quiet(_: object) -> None:
    return None


async def recap_calls(tmp_path: Path, minutes: int, **env: str) -> tuple[LLMSim, int, int]:
    """(the simulator after the recap, the transcript's tokens as it counts them, recap.chunks)."""
    turns = tuple(Utterance(*u) for u in meeting(minutes, speakers=5, seed=7))
    transcript = Transcript(id=f"t-{minutes}", utterances=turns, duration_ms=turns[-1].end_ms)
    whole = estimate_tokens(chunk_transcript(turns, 10**9)[0].text)
    llm = LLMSim()
    await llm.start()
    deps = await open_deps(load({"DATABASE_PATH": str(tmp_path / "recap.db"),
                                 "LLM_BASE_URL": f"{llm.base_url}/v1", "LLM_API_KEY": llm.api_key,
                                 **env}))
    try:
        recap = await summarize(deps, transcript, "topics", "", _quiet)
    finally:
        await deps.aclose()
        await llm.stop()
    return llm, whole, recap.chunks


async def test_three_hours_at_the_default_budget_make_eight_parts_and_one_merge(tmp_path):
    llm, whole, chunks = await recap_calls(tmp_path, 180)
    assert llm.input_tokens <= 1.15 * whole, llm.input_tokens / whole
    assert chunks == 8  # the default 24k budget alone would make 2
    assert llm.calls == chunks + 1
    assert llm.input_tokens <= 1.15 * whole, llm.input_tokens / whole


async def test_the_parts_never_outnumber_the_rate_window_or_the_concurrency(tmp_path):
    llm, _, chunks = await recap_calls(tmp_path, 180, LLM_CONCURRENCY="3")
    assert chunks == 3 and llm.calls == 4
    (tmp_path / "rpm").mkdir()
    llm, _, chunks = await recap_calls(tmp_path / "rpm", 180, LLM_RPM="5")
    assert chunks == 4 and llm.calls == 5


async def test_an_hour_that_fits_one_call_is_one_call(tmp_path):
    llm, _, chunks = await recap_calls(tmp_path, 60)
    assert chunks == 1 and llm.calls == 1
