"""Simulated LLM Gateway (/v1/chat/completions, /v1/models) that writes real-looking recaps.

Speaks the wire format of API-NOTES.md §2 (raw or Bearer key, the superset reply the SDK needs,
the three error shapes) and reads the prompt convention of INTERFACES.md: it answers `recap`
calls with an extractive recap of the `<transcript>` lines (or a merge of `<partials>`), `judge`
calls with a verdict, and free-text follow-ups with a cited line. Everything is deterministic,
so tests can assert the map/reduce shape. Misbehaviours of real models and servers are knobs.
`local = LocalModel()` turns it into a small local model on llama.cpp's server (one request at a
time, llama.cpp's reply shape, decode time, refusals, rambling inside the JSON, the context
limit; bot/sim/local_model.py); `serial_tokens_per_second` is a lighter Gateway-shaped variant
(one at a time, the answer then chatter up to max_tokens). Whatever the mode, `max_tokens`
holds: a reply is never longer, and a cut reply says `finish_reason: "length"`.
This module is the server (routes, auth, rate limits, knobs, counters); reading the prompt is
bot/sim/prompt_reader.py, and writing the answers bot/sim/recapper.py and bot/sim/answerer.py.
The Gateway's Speech Understanding endpoint (`/v1/understanding`, Speaker Identification on a
transcript of `assemblyai`, the AssemblyAI simulator) is bot/sim/understanding.py.
May import: the standard library, aiohttp and bot.sim.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim import SimServer, json_response
from bot.sim.answerer import follow_up
from bot.sim.llm_stream import model_time, stream_reply
from bot.sim.model_list import gateway_models
from bot.sim.prompt_reader import fenced, format_of, schema_for, style_of, text_of
from bot.sim.rate_limit import SlidingWindow
from bot.sim.recapper import judge, write_recap
from bot.sim.understanding import TOO_MANY, Understanding, invalid_body

if TYPE_CHECKING:
    from bot.sim.assemblyai import AssemblyAISim
    from bot.sim.local_model import LocalModel

__all__ = ["DEFAULT_MODELS", "PLANTED_ITEM", "PLANTED_SENTENCE", "LLMCall", "LLMSim",
           "chat_messages", "cut", "estimate_tokens"]

DEFAULT_MODELS = (
    "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5-20251001",
    "gpt-5-mini",
    "gemini-2.5-flash",
)
PLANTED_ITEM: dict[str, Any] = {
    "text": "Book the offsite venue for the whole team",
    "owner": "Zelda",
    "due": "March 3",
    "start": "00:00",
    "quote": "Zelda, can you book the offsite venue for the whole team by March 3?",
}
"""What `hallucinate=True` adds to recaps: nobody called Zelda is in any simulated meeting."""
PLANTED_SENTENCE = "Zelda will book the offsite venue for the whole team by March 3."
"""What `hallucinate_prose=True` adds to the tldr, where no quote check can reach it.

Both plants are left out when the request's <instructions> name Zelda (a model told what it
invented drops it), unless `stubborn=True`."""

_NO_ACCESS = "Your account does not have access to LLM Gateway. Please upgrade your account."


def estimate_tokens(text: str) -> int:
    """The sim's token count: one token per four characters, rounded up."""
    return math.ceil(len(text) / 4)


def cut(content: str, max_tokens: int) -> tuple[str, str]:
    """(content, finish_reason): a reply longer than `max_tokens` is cut there, "length"."""
    if estimate_tokens(content) > max_tokens:
        return content[: max(0, max_tokens) * 4], "length"
    return content, "stop"


def chat_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's messages (a bare `prompt` becomes one user message)."""
    messages = body.get("messages") or [{"role": "user", "content": str(body.get("prompt"))}]
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


@dataclass
class LLMCall:
    """One answered chat completion: what was asked, what the sim said, and what it cost."""

    request: dict[str, Any]
    model: str
    schema: str | None
    response_format: str | None
    style: str | None
    input_tokens: int
    output_tokens: int
    content: str
    finish_reason: str


@dataclass(eq=False)
class LLMSim(SimServer):
    """The LLM Gateway on loopback; point LLM_BASE_URL at `f"{sim.base_url}/v1"`.

    Knobs are attributes, settable at run time. Counters: `calls`, `input_tokens`,
    `output_tokens` (answered completions only), `rate_limited` (429s sent by `rate_limit`),
    `completions` (list of LLMCall), `received`, `in_flight`, `max_in_flight` (chat requests
    reaching the handler, open now, most open at once) and `abandoned` (clients that gave up
    before the answer), plus the base request log. `assemblyai` is the AssemblyAI
    simulator whose transcripts `/v1/understanding` reads; `understanding` holds that
    endpoint's rate limit and counters.
    """

    api_key: str = "sim-llm-key"
    assemblyai: AssemblyAISim | None = None
    local: LocalModel | None = None
    known_models: set[str] | None = None
    unknown_model: bool = False
    require_bearer: bool = False
    reject_json_schema: bool = False
    reject_json_schema_status: int = 500
    reject_json_object: bool = False
    reject_stream: bool = False
    """`"stream": true` is refused as the Gateway refuses a parameter a model does not support
    (400, "model X does not support stream"). Its docs (llm-gateway/chat-completions, "Streamed
    responses") stream only on models that list `stream` among their supported parameters,
    "including OpenAI, Claude, and Gemini models"."""
    prose_wrapped: bool = False
    ignore_response_format: bool = False
    malformed_next: int = 0
    refuse_next: int = 0
    """The next structured answers are prose without any JSON (a model declining the format)."""
    fail_containing: str | None = None
    """Requests whose body contains this text answer 500 every time (a part that keeps failing)."""
    hallucinate: bool = False
    hallucinate_prose: bool = False
    stubborn: bool = False
    obey: str = ""
    """Text a model that obeyed a prompt injection writes: added to the tldr, the first topic's
    title, the first action item's owner and every follow-up answer (markup, links, pings)."""
    context_length: int = 200_000
    topic_lines: int = 8
    serial_tokens_per_second: float = 0.0
    """Like llama.cpp's server on a small CPU (0: off): ONE request at a time, written at this
    many tokens per second, and the model rambles on after its answer until max_tokens (so
    every reply ends with finish_reason "length"). A client that disconnects does not stop
    the writing: the server stays busy until max_tokens are written. `waited_while_busy`
    counts requests that arrived while another was being written."""
    waited_while_busy: int = field(default=0, init=False)
    first_token_seconds: float = 0.0
    seconds_per_token: float = 0.0
    """A model's speed (0: instant): seconds before its first token, then per token. A streamed
    reply (`"stream": true`, bot/sim/llm_stream.py) sends each word as it is written; a whole
    reply comes once the last one is."""
    break_stream_after: int | None = None
    """Streamed replies are cut off (connection closed, no [DONE]) after this many words."""
    completions: list[LLMCall] = field(default_factory=list, init=False, repr=False)
    understanding: Understanding = field(default_factory=Understanding, init=False, repr=False)
    rate_limited: int = field(default=0, init=False)
    received: int = field(default=0, init=False)
    in_flight: int = field(default=0, init=False)
    max_in_flight: int = field(default=0, init=False)
    abandoned: int = field(default=0, init=False)
    _window: SlidingWindow = field(
        default_factory=lambda: SlidingWindow("llmgw"), init=False, repr=False
    )
    _malformed_seen: int = field(default=0, init=False, repr=False)
    _serial: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    @property
    def calls(self) -> int:
        return len(self.completions)

    @property
    def input_tokens(self) -> int:
        return sum(c.input_tokens for c in self.completions)

    @property
    def output_tokens(self) -> int:
        return sum(c.output_tokens for c in self.completions)

    def rate_limit(self, requests: int, period_s: float = 60.0) -> None:
        """Allow `requests` completions per sliding `period_s` window (0 turns the limit off)."""
        self._window.set(requests, period_s)

    # -- server plumbing --------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/chat/completions", self._chat)
        router.add_get("/v1/models", self._models)
        router.add_post("/v1/understanding", self._understand)
        router.add_post("/v1/understanding/validate", self._understand)

    def fault_body(self, status: int) -> Any:
        if status == 429:
            return {"request_id": str(uuid.uuid4()), "message": _TOO_MANY, "code": 429}
        message = "Internal server error" if status >= 500 else f"HTTP {status}"
        return {"error": {"code": status, "message": message, "metadata": {}}}

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("authorization", "").strip()
        key = header[7:].strip() if header.lower().startswith("bearer ") else header
        bearer_ok = header.lower().startswith("bearer ") or not self.require_bearer
        if key == self.api_key and bearer_ok:
            return None
        message = _NO_ACCESS if not header else "Authentication error, API token missing/invalid"
        body = {"error": message, "status": "error", "request_id": str(uuid.uuid4())}
        return json_response(body, 401)

    # -- handlers ---------------------------------------------------------------------------
    async def _models(self, request: web.Request) -> web.Response:
        if self.local is not None:
            return json_response(self.local.models_body())
        names = sorted(self.known_models) if self.known_models else list(DEFAULT_MODELS)
        return json_response(gateway_models(names, self.context_length,
                                            structured=not self.reject_json_schema))

    async def _understand(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        return await self.understanding.handle(request, self.assemblyai)

    async def on_stop(self) -> None:
        if self.local is not None:
            await self.local.close()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.received += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._serve_chat(request)
        except asyncio.CancelledError:
            self.abandoned += 1
            raise
        finally:
            self.in_flight -= 1

    async def _serve_chat(self, request: web.Request) -> web.StreamResponse:
        if denied := self._unauthorized(request):
            return denied
        if self.local is not None:
            return await self.local.serve(self, request)
        allowed, headers = self._window.take(asyncio.get_running_loop().time())
        if not allowed:
            self.rate_limited += 1
            body = {"request_id": str(uuid.uuid4()), "message": _TOO_MANY, "code": 429}
            return json_response(body, 429, headers)
        if self.fail_containing and self.fail_containing in (await request.text()):
            return json_response(self.fault_body(500), 500)
        response = await self._complete(request, headers)
        if not response.prepared:  # a stream was sent with them already
            response.headers.update(headers)
        return response

    async def _complete(self, request: web.Request,
                        headers: dict[str, str] | None = None) -> web.StreamResponse:
        started = time.monotonic_ns()
        try:
            body = await request.json()
        except ValueError:
            return _invalid("request body is not valid JSON")
        if not isinstance(body, dict):
            return _invalid("request body must be a JSON object")
        for required in ("model", "messages"):
            if not body.get(required) and not (required == "messages" and body.get("prompt")):
                message = f"Invalid request: missing required field '{required}'"
                error = {"code": 400, "message": message, "metadata": {}}
                return json_response({"error": error}, 400)
        model = str(body["model"])
        if self.unknown_model or (self.known_models is not None and model not in self.known_models):
            return _invalid(f"model {model} is not supported")
        if self.reject_stream and body.get("stream") is True:
            return _invalid(f"model {model} does not support stream")
        fmt, name = format_of(body)
        if (fmt == "json_schema" and self.reject_json_schema) or (
            fmt == "json_object" and self.reject_json_object
        ):
            if self.reject_json_schema_status == 400:
                return _invalid(f"model {model} does not support response_format")
            message = f"response_format type {fmt} is not supported"
            error = {"code": self.reject_json_schema_status, "message": message,
                     "type": "server_error"}
            return json_response({"error": error}, self.reject_json_schema_status)
        messages = chat_messages(body)
        input_tokens = sum(estimate_tokens(text_of(m)) for m in messages)
        if input_tokens > self.context_length:
            return _invalid(f"prompt is too long: {input_tokens} tokens > {self.context_length}")
        raw_limit = body.get("max_tokens")
        if raw_limit is not None and (not isinstance(raw_limit, int) or raw_limit < 1):
            return _invalid("max_tokens must be an integer of at least 1")
        max_tokens = raw_limit or 1000
        schema, style, content = self.write_answer(body, messages)
        rambles = self.serial_tokens_per_second > 0  # it writes until max_tokens stops it
        if rambles:
            content = _rambling(content, max_tokens)
        content, finish = cut(content, max_tokens)
        finish = "length" if rambles else finish
        output_tokens = estimate_tokens(content)
        self.completions.append(
            LLMCall(body, model, schema, fmt, style, input_tokens, output_tokens, content, finish)
        )
        if self.serial_tokens_per_second > 0:
            await self._write_alone(output_tokens)
        streamed = body.get("stream") is True
        if not streamed:
            await model_time(content, self.first_token_seconds, self.seconds_per_token)
        usage = {
            "input_tokens": input_tokens, "prompt_tokens": input_tokens,
            "output_tokens": output_tokens, "completion_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        reply = {
            "request_id": str(uuid.uuid4()),
            "model": model,
            "request": {"model": model, "max_tokens": max_tokens},
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish}],
            "usage": usage,
            "http_status_code": 200,
            "response_time": time.monotonic_ns() - started,
            "llm_status_code": 200,
        }
        if streamed:
            return await stream_reply(request, body, reply,
                                      first_token_seconds=self.first_token_seconds,
                                      seconds_per_token=self.seconds_per_token,
                                      break_after=self.break_stream_after, headers=headers)
        return json_response(reply)

    def write_answer(
        self, body: dict[str, Any], messages: list[dict[str, Any]]
    ) -> tuple[str | None, str | None, str]:
        """(schema, style, content) of the reply, before any max_tokens cut."""
        fmt, name = format_of(body)
        prompt = "\n".join(text_of(m) for m in messages)
        style = style_of(prompt)
        schema = schema_for(fmt, name, messages)
        content = self._structured(schema, prompt, style) if schema else follow_up(messages)
        if self.obey and not schema:
            content = f"{content} {self.obey}"
        return schema, style, content

    async def _write_alone(self, tokens: int) -> None:
        """One request at a time; the writing goes on if the client hangs up (shielded)."""
        if self._serial.locked():
            self.waited_while_busy += 1

        async def write() -> None:
            async with self._serial:
                await asyncio.sleep(tokens / self.serial_tokens_per_second)

        await asyncio.shield(asyncio.ensure_future(write()))

    def _structured(self, schema: str, prompt: str, style: str | None) -> str:
        """A JSON answer for a structured call, then the configured misbehaviours."""
        if schema == "judge":
            answer: dict[str, Any] = judge(prompt, suspects=[str(PLANTED_ITEM["owner"])])
        else:
            told = str(PLANTED_ITEM["owner"]) in ((fenced(prompt, "instructions") or "")
                                                  + (fenced(prompt, "findings") or ""))
            invent = self.stubborn or not told
            plant = PLANTED_ITEM if self.hallucinate and invent else None
            answer = write_recap(prompt, style, self.topic_lines, plant)
            if self.hallucinate_prose and invent and answer["tldr"]:
                answer["tldr"] = f"{answer['tldr']} {PLANTED_SENTENCE}"
            if self.obey:
                answer["tldr"] = f"{answer['tldr']} {self.obey}".strip()
                for field_name, items in (("title", answer["topics"]),
                                          ("owner", answer["action_items"])):
                    if items:
                        items[0][field_name] = self.obey
        text = json.dumps(answer, ensure_ascii=False, indent=1)
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "I'm sorry, but I can't produce that summary in the requested format."
        if self.malformed_next > 0:
            self.malformed_next -= 1
            self._malformed_seen += 1
            text = text[:-1] if self._malformed_seen % 2 == 0 else text[:-2] + ",\n}"
        if self.prose_wrapped:
            return f"Here is the recap:\n```json\n{text}\n```\nHope this helps!"
        if self.ignore_response_format:
            return f"Sure! Here is a summary of the meeting.\n\n{text}\n\nAnything else?"
        return text


_TOO_MANY = TOO_MANY
_RAMBLE = " Let me know if you would like me to expand on any of these points or add more."


def _rambling(content: str, max_tokens: int) -> str:
    """The answer, then the small model's chatter until max_tokens (4 characters a token)."""
    room = max_tokens * 4 - len(content)
    if room <= 0:
        return content
    return content + "\n\n" + (_RAMBLE * (room // len(_RAMBLE) + 1))[: max(0, room - 2)]


def _invalid(error: str) -> web.Response:
    """The Gateway's observed validation error shape (API-NOTES §2.4, shape 2)."""
    return json_response(invalid_body(error), 400)
