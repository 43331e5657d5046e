"""The LLM edge against the LLM Gateway simulator (and, for replies the simulator cannot
script, a few-line loopback server): auth, retries, limits and structured output."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp import web

from bot.core.prompts import RECAP_SCHEMA, recap_messages
from bot.edges.llm import LLM
from bot.edges.llm_replies import error_message
from bot.edges.rate_window import RateWindow
from bot.errors import LLMRejected, ServiceUnavailable, SummaryFailed
from bot.sim.llm import LLMSim
from tests.jitter import JITTER_S

MODEL = "claude-sonnet-4-6"
TRANSCRIPT = "\n".join(
    [
        "[00:03] Speaker A: Morning, everyone. Let's go through the launch checklist.",
        "[00:20] Speaker B: The payment screens are done and reviewed.",
        "[00:41] Speaker A: We decided to ship the mobile release next Tuesday.",
        "[01:02] Speaker B: Alice, can you update the release notes by Friday?",
    ]
)
RECAP = recap_messages(TRANSCRIPT, "topics")
PATH = "/v1/chat/completions"


@pytest.fixture
async def sim():
    async with LLMSim() as server:
        yield server


def make(base_url: str, **kwargs) -> LLM:
    options = dict(
        base_url=f"{base_url}/v1", api_key="sim-llm-key", model=MODEL, bearer=False, backoff=0.001
    )
    return LLM(**(options | kwargs))


@pytest.fixture
async def llm(sim):
    client = make(sim.base_url)
    yield client
    await client.aclose()


def sent(sim: LLMSim) -> list[dict]:
    return [r.json for r in sim.requests if r.path == PATH]


def formats(sim: LLMSim) -> list[str | None]:
    return [(body.get("response_format") or {}).get("type") for body in sent(sim)]


async def test_a_plain_completion(sim, llm):
    completion = await llm.complete([{"role": "user", "content": "What happened?"}])

    assert completion.text and completion.finish_reason == "stop"
    assert completion.input_tokens > 0 and completion.output_tokens > 0
    body = sent(sim)[0]
    assert body["model"] == MODEL and body["max_tokens"] == 4000
    assert sim.requests[0].headers["authorization"] == "sim-llm-key"  # the Gateway's raw key
    assert llm.usage == {
        "calls": 1,
        "input_tokens": completion.input_tokens,
        "output_tokens": completion.output_tokens,
    }


async def test_structured_output_asks_for_the_schema_and_returns_the_object(sim, llm):
    data, completion = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")

    assert set(data) == {"tldr", "topics", "action_items", "decisions"}
    assert data["action_items"][0]["owner"] == "Alice"
    assert sent(sim)[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "recap", "schema": RECAP_SCHEMA, "strict": True},
    }
    assert completion.finish_reason == "stop"


async def test_bearer_auth_for_other_endpoints(sim):
    sim.require_bearer = True
    bearer = make(sim.base_url, bearer=True)
    raw = make(sim.base_url, bearer=False)
    try:
        assert (await bearer.complete([{"role": "user", "content": "hi"}])).text
        with pytest.raises(LLMRejected, match="LLM_API_KEY"):
            await raw.complete([{"role": "user", "content": "hi"}])
    finally:
        await bearer.aclose()
        await raw.aclose()
    assert sim.requests[0].headers["authorization"] == "Bearer sim-llm-key"


async def test_a_wrong_key_is_named_but_never_shown(sim):
    llm = make(sim.base_url, api_key="sk-wrong-123")
    try:
        with pytest.raises(LLMRejected) as caught:
            await llm.complete([{"role": "user", "content": "hi"}])
    finally:
        await llm.aclose()
    message = str(caught.value)
    assert "rejected the API key" in message and "Check LLM_API_KEY." in message
    assert "sk-wrong-123" not in message
    assert sim.count("POST", PATH) == 1  # a refusal is not retried


async def test_an_unknown_model_is_named_with_the_setting_to_fix(sim, llm):
    sim.unknown_model = True
    with pytest.raises(LLMRejected) as caught:
        await llm.complete([{"role": "user", "content": "hi"}])
    message = str(caught.value)
    assert f"rejected model '{MODEL}'" in message
    assert f"model {MODEL} is not supported" in message
    assert "LLM_MODEL" in message and f"{sim.base_url}/v1" in message
    assert sim.count("POST", PATH) == 1


async def test_429_waits_for_retry_after_then_succeeds(sim, llm):
    sim.fail_next(PATH, 429, retry_after=0.3)
    started = time.monotonic()
    assert (await llm.complete([{"role": "user", "content": "hi"}])).text
    assert time.monotonic() - started >= 0.3
    assert sim.count("POST", PATH) == 2


async def test_two_server_errors_then_success(sim, llm):
    sim.fail_next(PATH, 500, times=2)
    assert (await llm.complete([{"role": "user", "content": "hi"}])).text
    assert sim.count("POST", PATH) == 3


async def test_a_server_that_keeps_failing_gives_up_after_four_attempts(sim, llm):
    sim.fail_next(PATH, 503, times=10)
    with pytest.raises(ServiceUnavailable) as caught:
        await llm.complete([{"role": "user", "content": "hi"}])
    assert str(caught.value) == "The LLM endpoint kept failing (HTTP 503) after 4 attempts."


async def test_a_slow_answer_times_out_and_is_retried(sim):
    llm = make(sim.base_url, timeout=0.1)
    sim.delay(PATH, 1.0)

    async def recover() -> None:
        await asyncio.sleep(0.15)
        sim.delay(PATH, 0)

    try:
        recovering = asyncio.create_task(recover())
        assert (await llm.complete([{"role": "user", "content": "hi"}])).text
        await recovering
        sim.delay(PATH, 1.0)
        with pytest.raises(ServiceUnavailable, match=r"no answer within 0.1 s"):
            await llm.complete([{"role": "user", "content": "hi"}])
    finally:
        await llm.aclose()


async def test_concurrent_calls_share_the_rate_limit(sim):
    sim.rate_limit(4, 0.4)
    llm = make(sim.base_url, window=RateWindow(4, 0.4, margin=JITTER_S))
    started = time.monotonic()
    try:
        replies = await asyncio.gather(
            *(llm.complete([{"role": "user", "content": f"q{i}"}]) for i in range(10))
        )
    finally:
        await llm.aclose()
    assert len(replies) == 10 and sim.rate_limited == 0
    assert time.monotonic() - started >= 0.8  # 4 now, 4 a window later, 2 after that


async def test_a_request_held_back_after_taking_its_slot_does_not_overrun_the_window(sim):
    """The server counts a request when it arrives: one the event loop held back (a busy
    moment right after its slot was taken) must not let the next window start too early."""
    sim.rate_limit(4, 0.4)
    llm = make(sim.base_url, window=RateWindow(4, 0.4, margin=JITTER_S))

    async def busy_moment() -> None:
        await asyncio.sleep(0)  # the four slots are taken, nothing is written yet
        time.sleep(2 * JITTER_S)  # longer than the margin: dated when taken, they would overrun

    stall = asyncio.create_task(busy_moment())
    try:
        await asyncio.gather(
            *(llm.complete([{"role": "user", "content": f"q{i}"}]) for i in range(8))
        )
    finally:
        await llm.aclose()
    await stall
    assert sim.rate_limited == 0


async def test_concurrency_is_bounded(sim):
    sim.delay(PATH, 0.1)
    llm = make(sim.base_url, concurrency=2)
    started = time.monotonic()
    try:
        await asyncio.gather(*(llm.complete([{"role": "user", "content": "q"}]) for _ in range(6)))
    finally:
        await llm.aclose()
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("status", [500, 400])
async def test_refused_json_schema_falls_back_and_remembers(sim, llm, caplog, status):
    sim.reject_json_schema = sim.reject_json_object = True
    sim.reject_json_schema_status = status
    caplog.set_level("INFO", logger="bot.edges.llm")

    first, _ = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    assert formats(sim) == ["json_schema", "json_object", None]
    assert "Answer with only a JSON object" in sent(sim)[-1]["messages"][-1]["content"]

    second, _ = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    assert formats(sim) == ["json_schema", "json_object", None, None]  # straight to what works
    assert first == second and first["tldr"]
    assert sum("refused response_format" in r.message for r in caplog.records) == 2


async def test_json_object_when_only_json_schema_is_refused(sim, llm):
    sim.reject_json_schema = True
    data, _ = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    assert data["tldr"] and formats(sim) == ["json_schema", "json_object", "json_object"]


async def test_json_wrapped_in_prose_is_read(sim, llm):
    sim.prose_wrapped = True
    data, _ = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    assert data["tldr"]


async def test_broken_json_once_still_gives_the_recap(sim, llm):
    sim.malformed_next = 1  # a trailing comma, as small models write
    broken, _ = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    clean, _ = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    assert broken == clean  # read as it is, or after one repair request


async def test_a_reply_cut_off_by_max_tokens_is_repaired_not_asked_again(sim, llm):
    whole, full = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    small = full.output_tokens * 3 // 4

    data, completion = await llm.complete_json(
        RECAP, schema=RECAP_SCHEMA, name="recap", max_tokens=small
    )

    assert [b["max_tokens"] for b in sent(sim)[1:]] == [small]  # used as it came back
    assert completion.finish_reason == "length" and data["tldr"] == whole["tldr"]


async def test_a_cut_reply_with_nothing_readable_is_asked_again_once_with_the_ceiling(sim, llm):
    data, completion = await llm.complete_json(
        RECAP, schema=RECAP_SCHEMA, name="recap", max_tokens=2
    )
    assert [b["max_tokens"] for b in sent(sim)] == [2, 4000]
    assert completion.finish_reason == "stop" and data["tldr"]


async def test_a_reply_cut_at_the_ceiling_with_nothing_readable_is_one_sentence(sim):
    llm = make(sim.base_url, max_tokens=2)
    try:
        with pytest.raises(SummaryFailed, match="cut off at 2 tokens"):
            await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
    finally:
        await llm.aclose()
    assert len(sent(sim)) == 1


# -- replies the simulator does not script -------------------------------------------------------
def reply(content: str, finish: str = "stop", usage: dict | None = None) -> dict:
    return {
        "choices": [
            {"message": {"role": "assistant", "content": content}, "finish_reason": finish}
        ],
        "usage": usage or {"input_tokens": 10, "output_tokens": 5},
    }


class Scripted:
    """A loopback chat endpoint answering from a list, recording each request body."""

    def __init__(self, answers: list[tuple[int, dict]]) -> None:
        self.answers, self.bodies = list(answers), []
        self.base_url = ""

    async def _chat(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.json())
        status, body = self.answers.pop(0)
        return web.json_response(body, status=status)

    async def __aenter__(self) -> Scripted:
        app = web.Application()
        app.router.add_post(PATH, self._chat)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()


async def test_a_reply_that_is_not_json_is_repaired_once():
    async with Scripted(
        [
            (200, reply("Sorry, I can only summarise in prose.")),
            (200, reply('{"tldr": "Launch next Tuesday."}')),
        ]
    ) as server:
        llm = make(server.base_url)
        data, _ = await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
        await llm.aclose()
    assert data == {"tldr": "Launch next Tuesday."}
    repair = server.bodies[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Sorry, I can only summarise in prose."}
    assert "only the JSON object" in repair[-1]["content"]


async def test_a_reply_that_stays_unreadable_is_a_summary_failure():
    async with Scripted([(200, reply("No.")), (200, reply("Still no."))]) as server:
        llm = make(server.base_url)
        with pytest.raises(SummaryFailed) as caught:
            await llm.complete_json(RECAP, schema=RECAP_SCHEMA, name="recap")
        await llm.aclose()
    assert str(caught.value) == (
        f"The LLM's answer could not be read as JSON (model {MODEL} at {server.base_url}/v1; "
        "check LLM_MODEL and LLM_BASE_URL)."
    )


async def test_claude_finish_reasons_and_openai_usage_names_are_normalised():
    usage = {"prompt_tokens": 7, "completion_tokens": 3}
    async with Scripted(
        [(200, reply("a", "end_turn", usage)), (200, reply("b", "max_tokens", usage))]
    ) as server:
        llm = make(server.base_url)
        first = await llm.complete([{"role": "user", "content": "hi"}])
        second = await llm.complete([{"role": "user", "content": "hi"}])
        await llm.aclose()
    assert (first.finish_reason, second.finish_reason) == ("stop", "length")
    assert (first.input_tokens, first.output_tokens) == (7, 3)


async def test_doctor_check(sim, llm):
    ok, message = await llm.check()
    assert ok and "json_schema accepted" in message
    sim.reject_json_schema = sim.reject_json_object = True
    other = make(sim.base_url)
    ok, message = await other.check()
    await other.aclose()
    assert ok and message.endswith("structured output: plain")
    sim.unknown_model = True
    ok, message = await llm.check()
    assert not ok and "LLM_MODEL" in message


def test_error_bodies_in_all_three_shapes():
    documented = {"error": {"code": 400, "message": "missing field 'model'", "metadata": {}}}
    observed = {
        "code": 400,
        "message": "invalid request body",
        "metadata": {"errors": ["model x is not supported"]},
    }
    middleware = {"error": "Authentication error, API token missing/invalid", "status": "error"}
    assert error_message(json.dumps(documented)) == "missing field 'model'"
    assert error_message(json.dumps(observed)) == "model x is not supported"
    assert error_message(json.dumps(middleware)) == middleware["error"]
    assert error_message("<html>Bad Gateway</html>") == "<html>Bad Gateway</html>"
