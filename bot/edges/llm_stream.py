"""Reading a streamed chat completion (`"stream": true`) as it arrives, for the LLM edge.

The Gateway streams as OpenAI does (API-NOTES §2.3 "Streaming"; platform.openai.com/docs/
api-reference/chat-streaming): server-sent events, one `data: {chunk}` line each, ending with
`data: [DONE]`. Each piece of text is handed to `on_text` as it comes; the pieces are also put
back together into the shape of a whole reply, so the LLM edge reads both the same way.

A stream that breaks before any text can be asked for again like any request (Transient); one
that breaks after some text was handed out cannot, as that text is already shown:
StreamBroken says so, and the caller decides (bot.edges.llm asks once more without streaming).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.core.streaming import DONE, read_chunk, sse_data
from bot.edges.retry import Transient

TextSink = Callable[[str], Awaitable[None]]


class StreamBroken(Exception):
    """The stream stopped mid-answer, after `text` was already handed to the sink."""

    def __init__(self, what: str, text: str) -> None:
        super().__init__(what)
        self.what, self.text = what, text


async def read_stream(response: aiohttp.ClientResponse, on_text: TextSink) -> dict[str, Any]:
    """The whole reply ({choices: [{message: {content}, finish_reason}], usage}) of a 200 stream,
    each piece of text handed to `on_text` on the way."""
    parts: list[str] = []
    finish: str | None = None
    usage: dict[str, Any] = {}
    done = False

    def broken(what: str) -> Exception:
        return StreamBroken(what, "".join(parts)) if parts else Transient(what)

    try:
        async for raw in response.content:
            data = sse_data(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if data is None or not data:
                continue
            if data == DONE:
                done = True
                break
            chunk = read_chunk(data)
            if chunk.error:
                raise broken(f"the stream said: {chunk.error}")
            finish = chunk.finish_reason or finish
            usage = chunk.usage or usage
            if chunk.text:
                parts.append(chunk.text)
                await on_text(chunk.text)
    except (aiohttp.ClientError, ValueError) as error:
        raise broken(f"the stream broke: {type(error).__name__}") from None
    except TimeoutError:
        raise broken("the stream went quiet") from None
    if not done and finish is None:
        raise broken("the stream ended before [DONE]")
    return {"choices": [{"message": {"role": "assistant", "content": "".join(parts)},
                         "finish_reason": finish or "stop"}], "usage": usage}
