"""The simulated LLM's streamed replies: `"stream": true` answered as server-sent events.

The wire format is OpenAI's (platform.openai.com/docs/api-reference/chat-streaming, "The chat
completion chunk object"), which the Gateway serves too (API-NOTES §2.3 "Streaming"): lines
`data: {chunk}` and a blank line each, then `data: [DONE]`. Every chunk has the same `id`,
`created` and `model`, `object: "chat.completion.chunk"` and `choices: [{index, delta,
finish_reason}]`: the first delta carries the role, each next one a piece of the content, the
last is empty with the finish_reason. With `stream_options: {"include_usage": true}` a last chunk
with `choices: []` carries the usage. One chunk per word of the answer (a token or a few).

Timing, shared with whole replies so both cost the same model time: `first_token_seconds` before
the first word, then `seconds_per_token` for each token. `break_after` closes the connection
after that many content chunks and no [DONE] (a stream cut off mid-answer).

May import: the standard library and aiohttp.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from aiohttp import web

_PIECE = re.compile(r"\s*\S+")  # a word with the spaces before it: linear, every char once


def pieces(content: str) -> list[str]:
    """The content in the pieces a model would send, which join back to exactly `content`."""
    found = _PIECE.findall(content)
    rest = content[sum(map(len, found)):]
    return [*found[:-1], found[-1] + rest] if found else ([content] if content else [])


def tokens_in(piece: str) -> int:
    return max(1, round(len(piece) / 4))


async def model_time(content: str, first_token_seconds: float, seconds_per_token: float) -> None:
    """What a whole (not streamed) reply waits: the model writes all of it first."""
    total = first_token_seconds + seconds_per_token * sum(tokens_in(p) for p in pieces(content))
    if total > 0:
        await asyncio.sleep(total)


async def stream_reply(request: web.Request, body: dict[str, Any], reply: dict[str, Any], *,
                       first_token_seconds: float = 0.0, seconds_per_token: float = 0.0,
                       break_after: int | None = None,
                       headers: dict[str, str] | None = None) -> web.StreamResponse:
    """Write `reply` (the whole chat.completion object for `body`) as its chunks, as the model
    writes them."""
    choice = reply["choices"][0]
    content = str(choice["message"]["content"])
    base = {"id": f"chatcmpl-{reply['request_id']}", "object": "chat.completion.chunk",
            "created": int(reply.get("created") or 0), "model": reply["model"]}
    response = web.StreamResponse(headers={"content-type": "text/event-stream",
                                           "cache-control": "no-cache", **(headers or {})})
    await response.prepare(request)

    async def send(choices: list[dict[str, Any]], **extra: Any) -> None:
        data = json.dumps({**base, "choices": choices, **extra}, ensure_ascii=False)
        await response.write(f"data: {data}\n\n".encode())

    if first_token_seconds > 0:
        await asyncio.sleep(first_token_seconds)
    await send([{"index": 0, "delta": {"role": "assistant", "content": ""},
                 "finish_reason": None}])
    for sent, piece in enumerate(pieces(content)):
        if break_after is not None and sent >= break_after:
            if request.transport is not None:
                request.transport.close()
            return response
        if seconds_per_token > 0:
            await asyncio.sleep(seconds_per_token * tokens_in(piece))
        await send([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
    await send([{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}])
    if (body.get("stream_options") or {}).get("include_usage"):
        await send([], usage=reply["usage"])
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response
