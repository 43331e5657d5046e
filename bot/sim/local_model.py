"""A small local model behind llama.cpp's server, as a mode of LLMSim (`sim.local = LocalModel()`).

What differs from the Gateway, and why an app must cope (llama.cpp tools/server, server.cpp and
server-common.cpp / utils.hpp):
- one slot (`--parallel 1`): requests queue and are served one at a time;
- a client that gives up does not stop a generation already running: the slot stays busy until
  it would have finished (a request still queued is dropped);
- decoding takes time, `completion_tokens / tokens_per_second`, reported in `timings`;
- older builds refuse `response_format: json_schema` with 500 `{"error": {"code": 500,
  "message": "response_format type must be one of \"text\" or \"json_object\", but got:
  json_schema", "type": "server_error"}}` (`oaicompat_completion_params_parse`);
- n_ctx bounds prompt plus reply; a prompt that does not fit is 400 `exceed_context_size_error`
  with `n_prompt_tokens` and `n_ctx`; without `max_tokens` it generates until the context is full;
- a rambling model (`ramble=True`) never closes its JSON and is cut at `max_tokens` with
  `finish_reason: "length"`;
- the reply is llama.cpp's `to_json_oaicompat_chat` shape: `id` "chatcmpl-…", `object`
  "chat.completion", `created`, `model`, `system_fingerprint`, `choices[{finish_reason, index,
  message}]`, `usage{completion_tokens, prompt_tokens, total_tokens}`, `timings`.
Counters: `generated` (generations run to the end, abandoned ones included), `max_busy` (never
above 1), `busy`, and `log` [("start"|"end"|"dropped", request number)]; LLMSim counts
requests received, in flight, the most in flight at once, and those abandoned by clients.
May import: the standard library, aiohttp and bot.sim.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sim import json_response
from bot.sim.llm import LLMCall, cut, estimate_tokens
from bot.sim.prompt_reader import format_of, text_of

if TYPE_CHECKING:
    from bot.sim.llm import LLMSim

__all__ = ["JSON_SCHEMA_REFUSAL", "LocalModel"]

JSON_SCHEMA_REFUSAL = (
    'response_format type must be one of "text" or "json_object", but got: json_schema'
)
_RAMBLE = (
    " and then, to be thorough, the team also went over the same points again in more detail"
)


def _error(status: int, message: str, kind: str, **extra: Any) -> web.Response:
    return json_response({"error": {"code": status, "message": message, "type": kind, **extra}},
                         status)


@dataclass
class LocalModel:
    """llama.cpp's server with one slot. Knobs are bounded and settable at run time."""

    tokens_per_second: float = 40.0
    """Decode speed, 0.1 to 100,000 tokens per second."""
    prompt_tokens_per_second: float = 2000.0
    """Prompt processing speed, 0.1 to 1,000,000 tokens per second."""
    context_length: int = 8192
    """n_ctx: prompt plus reply, 64 to 1,000,000 tokens."""
    refuse_json_schema: bool = True
    ramble: bool = False
    model: str = "qwen2.5-3b-instruct-q4_k_m.gguf"
    generated: int = field(default=0, init=False)
    busy: bool = field(default=False, init=False)
    max_busy: int = field(default=0, init=False)
    log: list[tuple[str, int]] = field(default_factory=list, init=False, repr=False)
    _slot: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)
    _numbers: int = field(default=0, init=False, repr=False)
    _running: int = field(default=0, init=False, repr=False)

    async def serve(self, sim: LLMSim, request: web.Request) -> web.Response:
        """Answer one /v1/chat/completions request the way llama-server would."""
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "Failed to parse the request body as JSON", "invalid_request_error")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _error(400, "'messages' is required", "invalid_request_error")
        fmt, _ = format_of(body)
        if fmt == "json_schema" and self.refuse_json_schema:
            return _error(500, JSON_SCHEMA_REFUSAL, "server_error")
        messages = [m for m in body["messages"] if isinstance(m, dict)]
        n_ctx = max(64, min(1_000_000, self.context_length))
        prompt_tokens = sum(estimate_tokens(text_of(m)) for m in messages)
        if prompt_tokens >= n_ctx:
            message = (f"request ({prompt_tokens} tokens) exceeds the available context size "
                       f"({n_ctx} tokens), try increasing it")
            return _error(400, message, "exceed_context_size_error",
                          n_prompt_tokens=prompt_tokens, n_ctx=n_ctx)
        room = n_ctx - prompt_tokens
        asked = body.get("max_tokens", body.get("n_predict"))
        limit = room if not isinstance(asked, int) or asked < 0 else min(asked, room)
        schema, style, content = sim.write_answer(body, messages)
        if self.ramble:
            content = _rambling(content, limit)
        content, finish = cut(content, limit)
        completion_tokens = estimate_tokens(content)
        prompt_s = prompt_tokens / max(0.1, min(1_000_000.0, self.prompt_tokens_per_second))
        decode_s = completion_tokens / max(0.1, min(100_000.0, self.tokens_per_second))
        await self._generate(prompt_s + decode_s)
        model = str(body.get("model") or self.model)
        sim.completions.append(LLMCall(body, model, schema, fmt, style, prompt_tokens,
                                       completion_tokens, content, finish))
        return json_response(_reply(model, content, finish, prompt_tokens, completion_tokens,
                                    prompt_s, decode_s))

    def models_body(self) -> dict[str, Any]:
        """`GET /v1/models` as llama-server lists its one model (OpenAI list shape + `meta`)."""
        model = {"id": self.model, "object": "model", "created": int(time.time()),
                 "owned_by": "llamacpp", "meta": {"n_ctx_train": self.context_length}}
        return {"object": "list", "data": [model]}

    async def close(self) -> None:
        """Cancel generations still running (the simulator is stopping)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _generate(self, seconds: float) -> None:
        """Hold the slot for `seconds`; a client leaving mid-generation does not release it."""
        self._numbers += 1
        number, started = self._numbers, asyncio.Event()
        task = asyncio.create_task(self._run(number, seconds, started))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not started.is_set():
                task.cancel()
                self.log.append(("dropped", number))
            raise

    async def _run(self, number: int, seconds: float, started: asyncio.Event) -> None:
        async with self._slot:
            started.set()
            self._running += 1
            self.busy, self.max_busy = True, max(self.max_busy, self._running)
            self.log.append(("start", number))
            try:
                await asyncio.sleep(seconds)
                self.generated += 1
            finally:
                self._running -= 1
                self.busy = self._running > 0
                self.log.append(("end", number))


def _rambling(content: str, limit: int) -> str:
    """The answer reopened and talked on past `limit` tokens, never closing its JSON."""
    head = content.rstrip().removesuffix("}").rstrip()
    head += ',\n "notes": "' if head.startswith("{") else " "
    need = max(0, limit * 4 + 4 - len(head))
    return head + (_RAMBLE * (need // len(_RAMBLE) + 1))[:need]


def _reply(model: str, content: str, finish: str, prompt_n: int, predicted_n: int,
           prompt_s: float, decode_s: float) -> dict[str, Any]:
    def per(n: int, seconds: float) -> dict[str, float]:
        ms = seconds * 1000
        return {"ms": ms, "per_token_ms": ms / n if n else 0.0,
                "per_second": n / seconds if seconds else 0.0}

    prompt, predicted = per(prompt_n, prompt_s), per(predicted_n, decode_s)
    return {
        "choices": [{"finish_reason": finish, "index": 0,
                     "message": {"role": "assistant", "content": content}}],
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "b4000-recap-sim",
        "object": "chat.completion",
        "usage": {"completion_tokens": predicted_n, "prompt_tokens": prompt_n,
                  "total_tokens": predicted_n + prompt_n},
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "timings": {"prompt_n": prompt_n, "prompt_ms": prompt["ms"],
                    "prompt_per_token_ms": prompt["per_token_ms"],
                    "prompt_per_second": prompt["per_second"], "predicted_n": predicted_n,
                    "predicted_ms": predicted["ms"],
                    "predicted_per_token_ms": predicted["per_token_ms"],
                    "predicted_per_second": predicted["per_second"]},
    }
