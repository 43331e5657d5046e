"""The LLM Gateway simulator: replies the SDK parses, recaps with the map/reduce shape, knobs."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import assemblyai as aai
import pytest

from bot.core.transcript import Utterance, utterance_line
from bot.sim.llm import PLANTED_ITEM, LLMSim, estimate_tokens
from bot.sim.samples import meeting, sample_utterances

TRANSCRIPT = "\n".join(utterance_line(Utterance(*u)) for u in sample_utterances())
RECAP_KEYS = {"tldr", "topics", "action_items", "decisions"}


def recap_format(name: str = "recap") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": {}, "strict": True}}


def recap_prompt(transcript: str = TRANSCRIPT, style: str = "topics") -> list[dict[str, str]]:
    user = f"Style: {style}\nWrite the recap.\n<transcript>\n{transcript}\n</transcript>"
    return [{"role": "system", "content": "You write recaps. Reply with one JSON object."},
            {"role": "user", "content": user}]


@pytest.fixture
async def sim() -> AsyncIterator[LLMSim]:
    async with LLMSim() as server:
        yield server


@pytest.fixture
async def http(sim: LLMSim) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(sim.base_url, headers={"authorization": sim.api_key}) as s:
        yield s


async def chat(http: aiohttp.ClientSession, **body: Any) -> tuple[int, Any, Any]:
    body.setdefault("model", "claude-sonnet-4-5-20250929")
    async with http.post("/v1/chat/completions", json=body) as r:
        return r.status, await r.json(), r.headers


async def answer(http: aiohttp.ClientSession, **body: Any) -> str:
    status, reply, _ = await chat(http, **body)
    assert status == 200, reply
    return reply["choices"][0]["message"]["content"]


async def recap(http: aiohttp.ClientSession, **body: Any) -> dict[str, Any]:
    body.setdefault("messages", recap_prompt())
    body.setdefault("response_format", recap_format())
    body.setdefault("max_tokens", 8000)
    return json.loads(await answer(http, **body))


async def test_the_sdk_parses_completions_and_the_model_list(sim: LLMSim) -> None:
    settings = aai.Settings(api_key=sim.api_key, llm_gateway_base_url=sim.base_url)
    async with aai.AsyncLLMGateway(client=aai.AsyncClient(settings=settings)) as gateway:
        completion = await gateway.chat.completions.create(
            model="claude-haiku-4-5-20251001", messages=recap_prompt(), max_tokens=8000,
            response_format=recap_format(),
        )
        models = await gateway.models.list()

    content = completion.choices[0].message.content
    assert set(json.loads(content)) == RECAP_KEYS
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.completion_tokens == estimate_tokens(content) == sim.output_tokens
    assert completion.usage.prompt_tokens == sim.input_tokens > len(TRANSCRIPT) / 4
    assert sim.calls == 1 and sim.completions[0].schema == "recap"
    assert "claude-sonnet-4-5-20250929" in [m.id for m in models.data]


async def test_a_recap_finds_owners_dates_decisions_with_verbatim_quotes(http) -> None:
    result = await recap(http)

    owned = {(a["owner"], a["due"]) for a in result["action_items"]}
    assert {("Carmen", "Wednesday"), ("Bob", "Friday"), ("Carmen", "next Tuesday")} <= owned
    assert ("B", "tomorrow") in owned  # "I'll add the dashboard index to tomorrow's deploy"
    acceptances = ("Yes, I'll", "Sure, I'll")
    assert not any(a["quote"].startswith(acceptances) for a in result["action_items"])
    assert result["decisions"][0]["text"].startswith("Move the launch to May twelfth")
    stamps = set(re.findall(r"^\[(\d\d:\d\d)\]", TRANSCRIPT, re.M))
    for item in result["action_items"] + result["decisions"]:
        assert item["quote"] in TRANSCRIPT and item["start"] in stamps
        assert len(item["quote"].split()) <= 25
    assert all(t["start"] in stamps and t["speakers"] for t in result["topics"])
    assert "Speaker A, Speaker B and Speaker C" in result["tldr"]


async def test_the_style_line_decides_which_fields_are_filled(http) -> None:
    brief = await recap(http, messages=recap_prompt(style="brief"))
    bullets = await recap(http, messages=recap_prompt(style="bullets"))
    actions = await recap(http, messages=recap_prompt(style="actions"))
    long_chapters = await recap(
        http, messages=recap_prompt(_lines(meeting(20)), style="chapters"), max_tokens=20_000
    )

    assert brief["tldr"] and (brief["topics"], brief["action_items"]) == ([], [])
    assert 3 <= len(bullets["topics"]) <= 7 and bullets["action_items"] == []
    assert (actions["tldr"], actions["topics"]) == ("", []) and actions["decisions"]
    assert len(long_chapters["topics"]) > 6
    assert all(len(t["summary"].split()) <= 13 for t in long_chapters["topics"])


def _lines(turns: list[tuple[str, int, int, str]]) -> str:
    return "\n".join(utterance_line(Utterance(*u)) for u in turns)


async def test_map_then_reduce_merges_partials(sim: LLMSim, http) -> None:
    turns = meeting(40, seed=4)
    half = len(turns) // 2
    parts = [await recap(http, messages=recap_prompt(_lines(chunk)))
             for chunk in (turns[:half], turns[half:])]
    partials = json.dumps(parts + [parts[1]])  # a repeated chunk must not repeat its actions
    merged = await recap(http, messages=[{"role": "user", "content":
                         f"Style: topics\nMerge.\n<partials>\n{partials}\n</partials>"}])

    assert merged["topics"] == parts[0]["topics"] + parts[1]["topics"] + parts[1]["topics"]
    both = parts[0]["action_items"] + parts[1]["action_items"]
    unique = {a["text"].lower(): a for a in reversed(both)}
    assert merged["action_items"] == sorted(unique.values(), key=lambda a: a["start"])
    assert len(merged["decisions"]) == len(parts[0]["decisions"]) + 2 * len(parts[1]["decisions"])
    assert len(merged["tldr"].split()) <= 61
    assert sim.calls == 3 and [c.schema for c in sim.completions] == ["recap"] * 3


async def test_the_judge_flags_the_planted_hallucination(sim: LLMSim, http) -> None:
    sim.hallucinate = True
    planted = await recap(http)
    recap_md = "\n".join(f"- {a['owner']}: {a['text']} (due {a['due']})"
                         for a in planted["action_items"])
    judge_prompt = f"<transcript>\n{TRANSCRIPT}\n</transcript>\n<recap>\n{recap_md}\n</recap>"
    verdict = json.loads(await answer(http, messages=[{"role": "user", "content": judge_prompt}],
                                      response_format=recap_format("judge")))
    clean = json.loads(await answer(http, response_format=recap_format("judge"), messages=[
        {"role": "user", "content": judge_prompt.replace("Zelda", "Carmen")}]))

    assert PLANTED_ITEM in planted["action_items"]
    assert verdict["accurate"] is False
    flagged = "Zelda: Book the offsite venue for the whole team (due March 3)"
    assert verdict["hallucinations"] == [flagged]
    assert clean == {"hallucinations": [], "accurate": True, "missing": []}


async def test_follow_ups_cite_the_best_matching_line(http) -> None:
    system = {"role": "system", "content": f"Answer from the transcript.\n<transcript>\n"
                                           f"{TRANSCRIPT}\n</transcript>"}

    async def ask(question: str, *history: str) -> str:
        earlier = [{"role": r, "content": c} for r, c in zip(["user", "assistant"] * 2, history,
                                                              strict=False)]
        asked = {"role": "user", "content": question}
        return await answer(http, messages=[system, *earlier, asked])

    cited = await ask("Who updates the release plan?")
    table = await ask("List the action items as a table")
    spanish = await ask("What about the exports? Answer in Spanish")
    shorter = await ask("Shorter, please", "Who updates the release plan?", cited)
    no_transcript = await answer(http, messages=[{"role": "user", "content": "Hello there"}])

    assert cited == ("At [02:21] Speaker A said: “Bob, can you update the release plan and tell "
                     "the mobile team by Friday?”.")
    assert table.startswith("| Owner | Action | Due |\n| --- | --- | --- |\n| Carmen |")
    assert spanish.startswith("Respuesta en español") and "Exports keep coming up." in spanish
    assert len(shorter.split()) <= 12 and shorter.startswith("At [02:21]")
    assert "Hello there" in no_transcript


async def test_max_tokens_truncates_with_finish_reason_length(sim: LLMSim, http) -> None:
    status, reply, _ = await chat(http, messages=recap_prompt(), response_format=recap_format(),
                                  max_tokens=50)
    default, _, _ = await chat(http, messages=recap_prompt(), response_format=recap_format())

    assert status == 200 and reply["choices"][0]["finish_reason"] == "length"
    assert len(reply["choices"][0]["message"]["content"]) == 200
    assert reply["usage"]["completion_tokens"] == reply["usage"]["output_tokens"] == 50
    assert reply["usage"]["total_tokens"] == 50 + reply["usage"]["input_tokens"]
    assert default == 200 and sim.completions[-1].output_tokens <= 1000


async def test_keys_raw_bearer_or_wrong(sim: LLMSim) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    async with aiohttp.ClientSession(sim.base_url) as s:
        async def status(headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
            async with s.post("/v1/chat/completions", json=body, headers=headers) as r:
                return r.status, await r.json()

        assert (await status({"authorization": "sim-llm-key"}))[0] == 200
        assert (await status({"Authorization": "Bearer sim-llm-key"}))[0] == 200
        code, wrong = await status({"authorization": "nope"})
        missing = (await status({}))[0]
        sim.require_bearer = True
        raw_refused = (await status({"authorization": "sim-llm-key"}))[0]

    assert code == 401 and wrong["error"] == "Authentication error, API token missing/invalid"
    assert wrong["status"] == "error" and wrong["request_id"]
    assert (missing, raw_refused) == (401, 401)


async def test_unknown_models_and_missing_fields_are_400(sim: LLMSim, http) -> None:
    sim.known_models = {"gpt-5-mini"}
    status, body, _ = await chat(http, model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    missing, documented, _ = await chat(http, messages=[])

    assert status == 400 and body["metadata"]["errors"] == ["model gpt-4o is not supported"]
    assert body["message"] == "invalid request body" and body["code"] == 400
    assert missing == 400 and documented["error"]["message"].endswith("'messages'")
    assert sim.calls == 0


async def test_servers_that_refuse_json_schema(sim: LLMSim, http) -> None:
    sim.reject_json_schema = True
    status, body, _ = await chat(http, messages=recap_prompt(), response_format=recap_format())
    sim.reject_json_schema_status = 400
    status_400, body_400, _ = await chat(http, messages=recap_prompt(),
                                         response_format=recap_format())
    fallback = json.loads(await answer(http, messages=recap_prompt(), max_tokens=8000,
                                       response_format={"type": "json_object"}))
    in_prompt = recap_prompt()
    in_prompt[-1]["content"] += "\nAnswer with only a JSON object matching this JSON schema: {}"
    plain = json.loads(await answer(http, messages=in_prompt, max_tokens=8000))

    assert status == 500 and body == {"error": {
        "code": 500, "message": "response_format type json_schema is not supported",
        "type": "server_error"}}
    assert status_400 == 400
    assert body_400["metadata"]["errors"] == ["model claude-sonnet-4-5-20250929 does not support "
                                              "response_format"]
    assert set(fallback) == set(plain) == RECAP_KEYS
    assert [c.response_format for c in sim.completions] == ["json_object", None]


async def test_models_that_wrap_or_break_their_json(sim: LLMSim, http) -> None:
    sim.prose_wrapped = True
    wrapped = await answer(http, messages=recap_prompt(), response_format=recap_format(),
                           max_tokens=8000)
    sim.prose_wrapped, sim.ignore_response_format = False, True
    chatty = await answer(http, messages=recap_prompt(), response_format=recap_format(),
                          max_tokens=8000)
    sim.ignore_response_format, sim.malformed_next = False, 2
    broken = [await answer(http, messages=recap_prompt(), response_format=recap_format(),
                           max_tokens=8000) for _ in range(3)]

    assert wrapped.startswith("Here is the recap:\n```json\n") and "Hope this helps" in wrapped
    inner = wrapped.split("```json\n")[1].split("\n```")[0]
    assert set(json.loads(inner)) == RECAP_KEYS
    assert chatty.startswith("Sure!") and '"action_items"' in chatty
    for bad in broken[:2]:
        with pytest.raises(json.JSONDecodeError):
            json.loads(bad)
    assert broken[0].rstrip().endswith(",\n}") and not broken[1].rstrip().endswith("}")
    assert set(json.loads(broken[2])) == RECAP_KEYS and sim.malformed_next == 0


async def test_a_sliding_window_rate_limit_answers_429_with_retry_after(sim: LLMSim, http):
    sim.rate_limit(2, 0.6)
    hi = [{"role": "user", "content": "hi"}]
    first = await chat(http, messages=hi)
    second = await chat(http, messages=hi)
    limited = await chat(http, messages=hi)
    await asyncio.sleep(0.62)
    later = await chat(http, messages=hi)

    assert (first[2]["x-ratelimit-limit"], first[2]["x-ratelimit-remaining"]) == ("2", "1")
    assert second[2]["x-ratelimit-remaining"] == "0"
    status, body, headers = limited
    assert status == 429 and body["message"] == "too many requests for this action"
    assert headers["retry-after"] == "1" and headers["x-ratelimit-remaining"] == "0"
    assert later[0] == 200 and sim.rate_limited == 1 and sim.calls == 3


async def test_injected_faults_and_latency(sim: LLMSim, http) -> None:
    hi = [{"role": "user", "content": "hi"}]
    sim.fail_next("/v1/chat", 429, retry_after=2)
    sim.fail_next("/v1/chat", 500)
    throttled = await chat(http, messages=hi)
    failed = await chat(http, messages=hi)
    sim.delay("/v1/chat", 0.2)
    started = time.monotonic()
    ok = await chat(http, messages=hi)

    assert throttled[0] == 429 and throttled[2]["Retry-After"] == "2"
    assert throttled[1]["code"] == 429 and throttled[1]["request_id"]
    assert failed[0] == 500 and failed[1]["error"]["code"] == 500
    assert ok[0] == 200 and time.monotonic() - started >= 0.2
    assert sim.count("POST", "/v1/chat") == 3 and sim.calls == 1


async def test_a_three_hour_meeting_in_chunks_is_cheap_to_summarize(sim: LLMSim, http) -> None:
    lines = _lines(meeting(180)).splitlines()
    size = math.ceil(len(lines) / 8)
    started = time.monotonic()
    parts = await asyncio.gather(*[
        recap(http, messages=recap_prompt("\n".join(lines[i : i + size])), max_tokens=16_000)
        for i in range(0, len(lines), size)
    ])

    assert time.monotonic() - started < 5
    assert all(p["action_items"] and p["decisions"] for p in parts)
    assert all(1 <= len(p["topics"]) <= 6 for p in parts)
    assert sim.input_tokens > 25_000 * 4 / 4 and sim.calls == 8


async def test_serial_mode_writes_one_reply_at_a_time_until_max_tokens(sim: LLMSim, http) -> None:
    sim.serial_tokens_per_second = 10_000  # 2000 tokens: 0.2 s each
    body = {"messages": recap_prompt(), "response_format": recap_format(), "max_tokens": 2000}
    hung_up = asyncio.create_task(chat(http, **body))
    await asyncio.sleep(0.05)
    hung_up.cancel()  # the client gives up; the server writes on
    status, reply, _ = await chat(http, **body)

    assert status == 200 and sim.waited_while_busy == 1  # queued behind the abandoned one
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "length" and reply["usage"]["completion_tokens"] == 2000
    assert "Let me know if you would like me to expand" in choice["message"]["content"]
    assert [c.output_tokens for c in sim.completions] == [2000, 2000]


async def stream_events(http: aiohttp.ClientSession, **body: Any) -> tuple[str, list[str]]:
    body.setdefault("model", "claude-sonnet-4-5-20250929")
    async with http.post("/v1/chat/completions", json={**body, "stream": True}) as r:
        assert r.status == 200
        return r.content_type, [line.decode().rstrip("\n") async for line in r.content]


async def test_a_streamed_reply_is_sse_chunks_ending_with_done(sim, http):
    question = [{"role": "user", "content": f"<transcript>\n{TRANSCRIPT}\n</transcript>\n"
                                            "Who sends the draft to legal?"}]
    whole = await answer(http, messages=question)
    kind, lines = await stream_events(http, messages=question,
                                      stream_options={"include_usage": True})

    assert kind == "text/event-stream"
    events = [line for line in lines if line]
    assert all(line.startswith("data: ") for line in events) and events[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == whole and len(chunks) > 5  # a chunk per word, the same answer
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    assert sim.calls == 2


async def test_model_speed_and_a_stream_cut_off_mid_answer(sim, http):
    sim.first_token_seconds, sim.seconds_per_token = 0.3, 0.01
    question = [{"role": "user", "content": f"<transcript>\n{TRANSCRIPT}\n</transcript>\nWho?"}]
    started = time.monotonic()
    async with http.post("/v1/chat/completions", json={
            "model": "m", "messages": question, "stream": True}) as r:
        await r.content.readline()
        first = time.monotonic() - started
        async for _ in r.content:
            pass
    started = time.monotonic()
    content = await answer(http, messages=question)
    whole = time.monotonic() - started
    # lower bounds only (sleeps): the first token waits 0.3 s, a whole reply waits for them all
    assert first >= 0.3 and whole >= 0.3 + 0.01 * (len(content.split()) - 1)

    sim.first_token_seconds = sim.seconds_per_token = 0.0
    sim.break_stream_after = 2
    with pytest.raises(aiohttp.ClientPayloadError):
        await stream_events(http, messages=question)
