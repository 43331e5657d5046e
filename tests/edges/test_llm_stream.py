"""The LLM edge's streamed answers against the LLM Gateway simulator: text as it is written,
retries before the first word, one whole answer when a stream breaks after it."""

from __future__ import annotations

import pytest

from bot.core.transcript import Utterance, utterance_line
from bot.edges.llm import LLM
from bot.errors import ServiceUnavailable
from bot.sim.llm import LLMSim
from bot.sim.samples import sample_utterances

PATH = "/v1/chat/completions"
TRANSCRIPT = "\n".join(utterance_line(Utterance(*u)) for u in sample_utterances())
QUESTION = [{"role": "system", "content": f"<transcript>\n{TRANSCRIPT}\n</transcript>"},
            {"role": "user", "content": "Who sends the draft to legal?"}]


@pytest.fixture
async def sim():
    async with LLMSim() as server:
        yield server


@pytest.fixture
async def llm(sim):
    client = LLM(base_url=f"{sim.base_url}/v1", api_key=sim.api_key, model="m", bearer=False,
                 backoff=0.001)
    yield client
    await client.aclose()


def bodies(sim: LLMSim) -> list[dict]:
    return [r.json for r in sim.requests if r.path == PATH]


async def test_the_answer_arrives_in_pieces_and_whole(sim, llm):
    pieces: list[str] = []

    async def on_text(text: str) -> None:
        pieces.append(text)

    completion = await llm.complete_streamed(QUESTION, on_text)

    assert len(pieces) > 5 and "".join(pieces) == completion.text
    assert completion.text == sim.completions[-1].content and completion.finish_reason == "stop"
    assert [b.get("stream") for b in bodies(sim)] == [True]
    assert llm.usage["calls"] == 1


async def test_errors_before_the_first_word_are_retried(sim, llm):
    sim.fail_next(PATH, 500, times=2)
    pieces: list[str] = []

    async def on_text(text: str) -> None:
        pieces.append(text)

    completion = await llm.complete_streamed(QUESTION, on_text)
    assert "".join(pieces) == completion.text and sim.count("POST", PATH) == 3

    sim.fail_next(PATH, 503, times=10)
    with pytest.raises(ServiceUnavailable):
        await llm.complete_streamed(QUESTION, on_text)


async def test_a_stream_broken_mid_answer_is_asked_for_once_more_whole(sim, llm):
    sim.break_stream_after = 3
    pieces: list[str] = []

    async def on_text(text: str) -> None:
        pieces.append(text)

    completion = await llm.complete_streamed(QUESTION, on_text)

    assert 0 < len(pieces) <= 3 and completion.text.startswith("".join(pieces))
    assert completion.text == sim.completions[-1].content and len(completion.text) > len(
        "".join(pieces))
    assert [b.get("stream") for b in bodies(sim)] == [True, None]  # then one whole request


async def test_an_endpoint_that_refuses_to_stream_is_asked_whole_from_then_on(sim, llm):
    sim.reject_stream = True
    pieces: list[str] = []

    async def on_text(text: str) -> None:
        pieces.append(text)

    first = await llm.complete_streamed(QUESTION, on_text)
    second = await llm.complete_streamed(QUESTION, on_text)

    assert first.text and "".join(pieces) == first.text + second.text  # each in one piece
    assert [b.get("stream") for b in bodies(sim)] == [True, None, None] and not llm.streams
