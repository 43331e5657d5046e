"""Any OpenAI-compatible endpoint, end to end through the CLI: servers that refuse json_schema
(llama.cpp answers 500, others 400), ignore it or wrap the JSON in prose, want a Bearer key,
or never answer usable JSON. Each run makes two structured calls (the recap, then the judge)."""

from __future__ import annotations

import json

import pytest
from aiohttp import web

from bot.sim.stage import Stage
from tests.e2e.cli import recap

REFUSED = "refused response_format"


def formats(stage: Stage) -> list[str | None]:
    """The response_format type of every chat request the LLM received, refused ones included."""
    bodies = [r.json for r in stage.llm.requests if r.path == "/v1/chat/completions"]
    return [(body.get("response_format") or {}).get("type") for body in bodies]


@pytest.mark.parametrize("status", [500, 400])
async def test_a_refused_json_schema_falls_back_once_for_the_whole_process(
    stage, standup, status
):
    stage.llm.reject_json_schema = True
    stage.llm.reject_json_schema_status = status

    ran = await recap(stage, "summarize", standup, "--judge", "--json")

    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["judge"]["accurate"] is True
    # The refusal costs one request; the judge's call goes straight to json_object.
    assert formats(stage) == ["json_schema", "json_object", "json_object"]
    assert ran.err.count(REFUSED) == 1
    assert "INFO bot.edges.llm: The LLM endpoint refused response_format json_schema" in ran.err


async def test_a_server_refusing_both_formats_gets_the_schema_in_the_prompt(stage, standup):
    stage.llm.reject_json_schema = stage.llm.reject_json_object = True

    ran = await recap(stage, "summarize", standup, "--judge", "--json")

    assert ran.code == 0, ran.err
    assert formats(stage) == ["json_schema", "json_object", None, None]
    assert ran.err.count(REFUSED) == 2  # each step down said once
    assert "JSON schema" in stage.llm.completions[-1].request["messages"][-1]["content"]


@pytest.mark.parametrize("knob", ["prose_wrapped", "ignore_response_format"])
async def test_json_wrapped_in_prose_is_read(stage, standup, knob):
    setattr(stage.llm, knob, True)

    ran = await recap(stage, "summarize", standup, "--judge", "--json")

    made = json.loads(ran.out)
    assert ran.code == 0, ran.err
    assert made["action_items"] and made["judge"]["accurate"] is True
    assert stage.llm.calls == 2  # read as it came: no repair call


async def test_an_endpoint_that_is_not_the_gateway_gets_a_bearer_key(stage, standup):
    stage.llm.require_bearer = True

    ran = await recap(stage, "judge", standup)

    assert ran.code == 0, ran.err
    sent = [{k.lower(): v for k, v in r.headers.items()}["authorization"]
            for r in stage.llm.requests]
    assert sent == ["Bearer sim-llm-key"] * 2


async def test_an_unusable_reply_is_one_sentence_naming_the_endpoint_and_model(stage, standup):
    async def chat(request: web.Request) -> web.Response:
        reply = {"choices": [{"message": {"role": "assistant", "content": "I can't do that."},
                              "finish_reason": "stop"}]}
        return web.json_response(reply)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
    try:
        ran = await recap(stage, "summarize", standup, LLM_BASE_URL=base, LLM_MODEL="local-7b")
    finally:
        await runner.cleanup()

    assert ran.code == 1
    last = ran.err.strip().splitlines()[-1]
    assert last == (f"recap: The LLM's answer could not be read as JSON (model local-7b at {base}; "
                    "check LLM_MODEL and LLM_BASE_URL).")
    assert "Traceback" not in ran.err and ran.out == ""
