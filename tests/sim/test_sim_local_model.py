"""LLMSim as a small local model on llama.cpp's server: one slot, decode time, refusals, rambling,
and a slot that stays busy after a client gives up; plus max_tokens held in every mode."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.core.transcript import Utterance, utterance_line
from bot.sim.llm import LLMSim, estimate_tokens
from bot.sim.local_model import JSON_SCHEMA_REFUSAL, LocalModel
from bot.sim.samples import sample_utterances

TRANSCRIPT = "\n".join(utterance_line(Utterance(*u)) for u in sample_utterances())
RECAP = [{"role": "system", "content": "You write recaps. Reply with one JSON object."},
         {"role": "user", "content": f"Style: topics\n<transcript>\n{TRANSCRIPT}\n</transcript>"}]
SCHEMA = {"type": "json_schema", "json_schema": {"name": "recap", "schema": {}, "strict": True}}


@pytest.fixture
async def sim() -> AsyncIterator[LLMSim]:
    async with LLMSim(local=LocalModel(tokens_per_second=4000,
                                       prompt_tokens_per_second=1e6)) as server:
        yield server


def local(sim: LLMSim) -> LocalModel:
    assert sim.local is not None
    return sim.local


async def chat(sim: LLMSim, timeout: float = 30.0, **body: Any) -> tuple[int, dict[str, Any]]:
    body.setdefault("model", "local")
    body.setdefault("messages", RECAP)
    headers = {"authorization": f"Bearer {sim.api_key}"}
    limit = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(headers=headers, timeout=limit) as http:
        async with http.post(f"{sim.base_url}/v1/chat/completions", json=body) as r:
            return r.status, await r.json()


async def until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_requests_are_served_one_at_a_time_in_llama_cpp_shape(sim: LLMSim) -> None:
    replies = await asyncio.gather(*[chat(sim, max_tokens=400,
                                          response_format={"type": "json_object"})
                                     for _ in range(3)])

    assert [status for status, _ in replies] == [200, 200, 200]
    assert (local(sim).max_busy, sim.max_in_flight, sim.in_flight) == (1, 3, 0)
    assert local(sim).log == [("start", 1), ("end", 1), ("start", 2), ("end", 2),
                              ("start", 3), ("end", 3)]
    _, reply = replies[0]
    assert reply["object"] == "chat.completion" and reply["id"].startswith("chatcmpl-")
    assert reply["model"] == "local" and "request_id" not in reply
    usage, timings = reply["usage"], reply["timings"]
    assert usage["completion_tokens"] == timings["predicted_n"] == 400
    assert usage["prompt_tokens"] == timings["prompt_n"] > len(TRANSCRIPT) / 4
    assert timings["predicted_per_second"] == pytest.approx(4000)
    assert timings["predicted_ms"] == pytest.approx(100)
    assert reply["choices"][0]["finish_reason"] == "length"
    assert (sim.received, sim.calls, local(sim).generated) == (3, 3, 3)


async def test_json_schema_is_refused_as_older_llama_cpp_does(sim: LLMSim) -> None:
    refused = await chat(sim, response_format=SCHEMA)
    as_object = await chat(sim, max_tokens=8000, response_format={"type": "json_object"})
    local(sim).refuse_json_schema = False
    accepted = await chat(sim, max_tokens=8000, response_format=SCHEMA)

    assert refused == (500, {"error": {"code": 500, "message": JSON_SCHEMA_REFUSAL,
                                       "type": "server_error"}})
    assert set(json.loads(as_object[1]["choices"][0]["message"]["content"])) >= {"tldr"}
    assert accepted[0] == 200 and accepted[1]["choices"][0]["finish_reason"] == "stop"
    assert local(sim).log.count(("start", 1)) == 1 and sim.calls == 2


async def test_a_rambling_model_is_cut_mid_json_at_max_tokens_or_the_context(
    sim: LLMSim,
) -> None:
    local(sim).ramble = True
    status, capped = await chat(sim, max_tokens=64, response_format={"type": "json_object"})
    local(sim).context_length = 2000
    _, unbounded = await chat(sim, response_format={"type": "json_object"})

    content = capped["choices"][0]["message"]["content"]
    assert status == 200 and capped["choices"][0]["finish_reason"] == "length"
    assert len(content) == 256 and capped["usage"]["completion_tokens"] == 64
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)
    prompt = unbounded["usage"]["prompt_tokens"]
    assert unbounded["usage"]["completion_tokens"] == 2000 - prompt
    assert unbounded["choices"][0]["finish_reason"] == "length"


async def test_a_prompt_past_the_context_is_refused(sim: LLMSim) -> None:
    local(sim).context_length = 100
    status, body = await chat(sim)

    assert status == 400 and body["error"]["type"] == "exceed_context_size_error"
    assert body["error"]["n_ctx"] == 100 and body["error"]["n_prompt_tokens"] > 100
    assert "exceeds the available context size (100 tokens)" in body["error"]["message"]
    assert local(sim).log == [] and sim.calls == 0


async def test_a_client_that_gives_up_leaves_the_slot_busy(sim: LLMSim) -> None:
    local(sim).tokens_per_second = 400  # 400 tokens: a second of decoding
    with pytest.raises(TimeoutError):
        await chat(sim, timeout=0.1, max_tokens=400)
    await until(lambda: sim.abandoned == 1)
    busy_after_leaving = local(sim).busy
    local(sim).tokens_per_second = 4000
    status, _ = await chat(sim, max_tokens=40)

    assert busy_after_leaving and status == 200
    assert local(sim).log == [("start", 1), ("end", 1), ("start", 2), ("end", 2)]
    assert (local(sim).generated, sim.calls, sim.abandoned, sim.in_flight) == (2, 1, 1, 0)


async def test_a_client_that_gives_up_while_queued_is_dropped(sim: LLMSim) -> None:
    local(sim).tokens_per_second = 400
    first = asyncio.create_task(chat(sim, max_tokens=400))
    await until(lambda: local(sim).busy)
    with pytest.raises(TimeoutError):
        await chat(sim, timeout=0.1, max_tokens=40)
    await until(lambda: sim.abandoned == 1)
    third = await chat(sim, max_tokens=40)

    assert (await first)[0] == third[0] == 200
    assert local(sim).log == [("start", 1), ("dropped", 2), ("end", 1), ("start", 3),
                              ("end", 3)]
    assert local(sim).generated == 2 and sim.max_in_flight == 2


async def test_max_tokens_holds_in_gateway_mode_whatever_the_model_does() -> None:
    async with LLMSim(obey="<!channel> https://evil.example") as sim:
        sizes = []
        for knobs, limit in (({}, 5), ({"prose_wrapped": True}, 37), ({"refuse_next": 1}, 3),
                             ({}, 100_000)):
            for name, value in knobs.items():
                setattr(sim, name, value)
            status, reply = await chat(sim, max_tokens=limit, response_format=SCHEMA)
            assert status == 200
            content = reply["choices"][0]["message"]["content"]
            finish = reply["choices"][0]["finish_reason"]
            sizes.append((estimate_tokens(content) <= limit, finish))
        refused = await chat(sim, max_tokens=0)
        follow_up = await chat(sim, max_tokens=4, messages=[{"role": "user", "content": "Hi"}])

    assert sizes == [(True, "length"), (True, "length"), (True, "length"), (True, "stop")]
    assert refused[0] == 400 and "max_tokens" in refused[1]["metadata"]["errors"][0]
    assert follow_up[1]["choices"][0]["finish_reason"] == "length"
    assert len(follow_up[1]["choices"][0]["message"]["content"]) == 16
