"""The LLM edge: OpenAI-compatible chat completions over one aiohttp session.

Talks to AssemblyAI's LLM Gateway by default (raw key in `authorization`) or any
OpenAI-compatible server (`Authorization: Bearer`). Owns what every call needs: a rate
limit and a concurrency bound shared by all callers of one instance, retries (bot.edges.retry),
the three error envelopes seen in the wild (read, with the replies, by bot.edges.llm_replies),
and structured output that degrades json_schema -> json_object -> schema-in-the-prompt when a
server refuses it (llama.cpp; bot.edges.llm_formats writes the request bodies).

Shaped for slow local servers too (llama.cpp's server writes one reply at a time and keeps
writing after its client hangs up): a reply cut at max_tokens (finish_reason "length",
OpenAI's chat completion object) is repaired, not asked for again; and a request that timed
out is sent again at most once, and only after waiting as long as the time-out, so it does not
queue behind the copy the server is still writing. 429s and 5xx keep the usual retries.
Free-text answers can also stream (`complete_streamed`, read by bot.edges.llm_stream), for
answers shown as they are written; recaps never do (their JSON is read whole).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp

from bot.core.recap import add_usage, new_usage
from bot.edges.llm_formats import FORMAT_WORDS, MODES, fallback, json_body, repair_request
from bot.edges.llm_replies import (
    Completion,
    completion_from,
    error_message,
    read_json,
    rejected,
    scrub,
)
from bot.edges.llm_stream import StreamBroken, TextSink, read_stream
from bot.edges.rate_window import RateWindow, Window, tracing
from bot.edges.retry import Transient, parse_retry_after, with_retries
from bot.edges.turns import Turns
from bot.errors import RecapError, ServiceUnavailable, SummaryFailed

log = logging.getLogger(__name__)

TIMEOUT_ATTEMPTS = 2  # a timed-out request is sent at most twice (429/5xx: retry.ATTEMPTS)


class _TimedOut(Transient):
    """No answer within the time-out: the server may still be busy writing it."""


class _StreamRefused(Exception):
    """The server refused `"stream": true` (the Gateway streams only some models)."""


class _FormatRefused(Exception):
    """The server refused the response_format we sent (not the model or the key)."""


class LLM:
    """An OpenAI-compatible chat endpoint, rate-limited and retried. Close with aclose()."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        bearer: bool,
        rpm: int = 30,
        rate_period: float = 60.0,
        concurrency: int = 8,
        max_tokens: int = 4000,
        timeout: float = 120.0,
        backoff: float = 1.0,
        window: Window | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_tokens = max_tokens
        self.usage = new_usage()
        self._key = api_key
        self._headers = {"content-type": "application/json"}
        if api_key:
            self._headers["Authorization" if bearer else "authorization"] = (
                f"Bearer {api_key}" if bearer else api_key
            )
        self._window = window or RateWindow(rpm, rate_period)  # shared: postgres_window
        self._places = Turns(concurrency)  # LLM_CONCURRENCY, by turn (bot.edges.turns)
        self._timeout = timeout
        self._backoff = backoff
        self._session: aiohttp.ClientSession | None = None
        self._not_before = 0.0  # after a 429, every caller waits until then
        self._mode = MODES[0]
        self.streams = True  # False once the endpoint refused "stream": true

    async def complete(
        self, messages: list[dict], *, max_tokens: int | None = None, temperature: float = 0.2
    ) -> Completion:
        """A free-text answer (follow-ups, custom styles)."""
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": temperature,
        }
        return self._completion(await self._chat(body))

    async def complete_streamed(
        self, messages: list[dict], on_text: TextSink, *, max_tokens: int | None = None,
        temperature: float = 0.2,
    ) -> Completion:
        """A free-text answer streamed (`"stream": true`): each piece of text goes to `on_text`
        as the model writes it, and the whole answer is returned at the end.

        Retried like `complete` until the first text arrives. A stream that breaks after it is
        asked for once more whole (`complete`): the answer returned then need not begin with
        the text handed out, which callers compare. A server that answers whole anyway hands
        its answer to `on_text` in one piece; one that refuses `stream` (400 naming it, as the
        Gateway does for a model that cannot stream) is asked whole, now and from then on.
        """
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_tokens or self.max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        handed = False

        async def sink(text: str) -> None:
            nonlocal handed
            handed = True
            await on_text(text)

        try:
            if not self.streams:
                raise _StreamRefused("refused before")
            completion = self._completion(await self._chat(body, sink))
        except StreamBroken as broken:
            log.info("The LLM's stream broke after %d characters (%s); asking once more whole.",
                     len(broken.text), broken.what)
            return await self.complete(messages, max_tokens=max_tokens, temperature=temperature)
        except _StreamRefused as refusal:
            if self.streams:
                log.info("The LLM endpoint refused to stream (%s); answers come whole from "
                         "now on.", refusal)
                self.streams = False
            completion = await self.complete(messages, max_tokens=max_tokens,
                                             temperature=temperature)
        if not handed and completion.text:
            await on_text(completion.text)
        return completion

    async def complete_json(
        self, messages: list[dict], *, schema: dict, name: str, max_tokens: int | None = None
    ) -> tuple[dict, Completion]:
        """A JSON object matching `schema`.

        A reply cut at `max_tokens` is repaired (json_repair, in extract_json) and used; only
        one that cannot be read is asked for again, once, with LLM_MAX_TOKENS, the ceiling.
        A complete reply that is not JSON gets one repair request.
        """
        limit = min(max_tokens or self.max_tokens, self.max_tokens)
        completion = await self._structured(messages, schema, name, limit)
        try:
            return read_json(completion.text, schema), completion
        except ValueError:
            pass
        if completion.finish_reason == "length" and limit < self.max_tokens:
            log.info("The LLM's answer was cut at %d tokens; asking once with %d.",
                     limit, self.max_tokens)
            limit = self.max_tokens
            completion = await self._structured(messages, schema, name, limit)
            try:
                return read_json(completion.text, schema), completion
            except ValueError:
                pass
        if completion.finish_reason == "length":
            raise SummaryFailed(
                f"The LLM's answer was cut off at {limit} tokens before it held any usable "
                f"JSON (model {self.model} at {self.base_url}); raise LLM_MAX_TOKENS or use a "
                "model that follows the format."
            )
        log.info("The LLM's answer was not JSON; asking once for a repaired answer.")
        repair = repair_request(messages, completion.text)
        completion = await self._structured(repair, schema, name, limit)
        try:
            return read_json(completion.text, schema), completion
        except ValueError:
            raise SummaryFailed(
                f"The LLM's answer could not be read as JSON "
                f"(model {self.model} at {self.base_url}; check LLM_MODEL and LLM_BASE_URL)."
            ) from None

    async def check(self) -> tuple[bool, str]:
        """For `recap doctor`: does a 1-token call work, and which structured output is taken?"""
        try:
            await self.complete([{"role": "user", "content": "Say OK."}], max_tokens=1)
            schema = {
                "type": "object",
                "properties": {"ok": {"type": "boolean"}},
                "required": ["ok"],
                "additionalProperties": False,
            }
            for mode in MODES[:2]:
                try:
                    probe = [{"role": "user", "content": "Say ok."}]
                    await self._chat(json_body(self.model, probe, schema, "check", 16, mode))
                    self._mode = mode
                    break
                except _FormatRefused:
                    self._mode = fallback(mode)
        except RecapError as error:
            return False, error.message
        return True, (
            f"model {self.model} at {self.base_url} answers; structured output: "
            f"{self._mode}{' accepted' if self._mode == 'json_schema' else ''}"
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _structured(
        self, messages: list[dict], schema: dict, name: str, limit: int
    ) -> Completion:
        while True:
            mode = self._mode
            try:
                return self._completion(
                    await self._chat(json_body(self.model, messages, schema, name, limit, mode))
                )
            except _FormatRefused as refusal:
                if self._mode == mode:  # another call may have moved on already
                    self._mode = fallback(mode)
                    log.info(
                        "The LLM endpoint refused response_format %s (%s); using %s from now on.",
                        mode,
                        refusal,
                        self._mode,
                    )

    async def _chat(self, body: dict[str, Any],
                    on_text: TextSink | None = None) -> dict[str, Any]:
        timeouts = 0

        async def once() -> dict[str, Any]:
            nonlocal timeouts
            try:
                return await self._post(body, on_text)
            except _TimedOut as error:
                timeouts += 1
                if timeouts >= TIMEOUT_ATTEMPTS:
                    raise ServiceUnavailable(
                        f"The LLM endpoint kept failing ({error.what}) after {timeouts} "
                        f"attempts (model {self.model} at {self.base_url}); a slow or local "
                        "model may need a larger LLM_TIMEOUT or a smaller CHUNK_TOKENS."
                    ) from None
                # The server may still be writing the answer: let it finish before asking again.
                raise Transient(error.what, retry_after=self._timeout) from None

        return await with_retries(once, service="The LLM endpoint", backoff=self._backoff)

    async def _post(self, body: dict[str, Any],
                    on_text: TextSink | None = None) -> dict[str, Any]:
        """One request. With `on_text` the reply is read as a stream (a stream may take as long
        as it needs, but no more than LLM_TIMEOUT in silence)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(trace_configs=[tracing()])
        loop = asyncio.get_running_loop()
        # The window first: a caller holding a place while it waits for the window would keep
        # a job's reduce, or a person's answer, behind calls that came before it.
        slot = await self._window.acquire()
        async with self._places:
            if (pause := self._not_before - loop.time()) > 0:
                await asyncio.sleep(pause)
            try:
                async with self._session.post(
                    f"{self.base_url}/chat/completions",
                    json=body,
                    headers=self._headers,
                    timeout=aiohttp.ClientTimeout(total=self._timeout) if on_text is None
                    else aiohttp.ClientTimeout(sock_connect=self._timeout,
                                               sock_read=self._timeout),
                    trace_request_ctx=slot,
                ) as response:
                    if (on_text is not None and response.status == 200
                            and response.content_type == "text/event-stream"):
                        return await read_stream(response, on_text)
                    status, text = response.status, await response.text()
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
            except TimeoutError:
                raise _TimedOut(f"no answer within {self._timeout:g} s") from None
            except aiohttp.ClientError as error:
                raise Transient(f"connection failed: {type(error).__name__}") from None
        if status == 200:
            try:
                return json.loads(text)
            except ValueError:
                raise Transient("an unreadable answer") from None
        message = scrub(error_message(text), self._key)
        if status == 429:
            if retry_after is not None:
                self._not_before = max(self._not_before, loop.time() + retry_after)
            raise Transient("HTTP 429", retry_after)
        if body.get("stream") and status in (400, 422) and "stream" in text.lower():
            raise _StreamRefused(message)
        if (
            "response_format" in body
            and status in (400, 422, 500)
            and any(word in text.lower() for word in FORMAT_WORDS)
        ):
            raise _FormatRefused(message)
        if status >= 500 or status == 408:
            raise Transient(f"HTTP {status}", retry_after)
        raise rejected(status, message, self.model, self.base_url)

    def _completion(self, data: dict[str, Any]) -> Completion:
        completion = completion_from(data, self.model, self.base_url)
        add_usage(self.usage, completion.input_tokens, completion.output_tokens)
        return completion
