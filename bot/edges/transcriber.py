"""The AssemblyAI edge: upload, submit, poll, fetch and delete transcripts.

Uses the official SDK's async client with settings passed in (never the SDK's global
settings), so two Transcribers with different keys or hosts can live in one process.
The SDK does not retry; every call here goes through bot.edges.retry, and SDK errors become
bot.errors sentences. What AssemblyAI answers is read by bot.edges.transcript_replies
(completed transcripts leave as bot.core.transcript.Transcript); a create whose answer was lost
is looked for by bot.edges.transcript_list.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import assemblyai as aai
import httpx
from assemblyai.prerecorded.v2 import async_api

from bot.core.identification import identification_request, identification_result
from bot.core.polling import expected_turnaround, next_poll_in
from bot.core.transcript import Transcript
from bot.core.transcript_json import parse as parse_json
from bot.edges.retry import ATTEMPTS, Transient, parse_retry_after, with_retries
from bot.edges.transcript_list import CLOCK_SKEW, find_created_since
from bot.edges.transcript_replies import (
    Status,
    error_text,
    reason,
    rejected,
    status_from_json,
)
from bot.errors import TranscriptionFailed, TranscriptionTimedOut

T = TypeVar("T")
log = logging.getLogger(__name__)
WEBHOOK_HEADER = "X-Recap-Webhook"
BIG_BODY = 8 << 20  # bytes of JSON worth decoding in a worker thread (~10 hours of audio)
IDENTIFY_TIMEOUT = 60.0  # seconds one Speaker Identification on a finished transcript may take


def _span(seconds: float) -> str:
    """A wait in words: "45 minutes", "2 hours", "20 seconds"."""
    if seconds >= 7200:
        return f"{seconds / 3600:.0f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} seconds"


class Transcriber:
    """AssemblyAI's pre-recorded API for one key and host. Close with aclose()."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        speech_models: Sequence[str],
        poll_interval: float = 3.0,
        backoff: float = 1.0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        gateway_url: str | None = None,
    ) -> None:
        # construct() skips the SDK's own reading of ASSEMBLYAI_* variables: config.py
        # is the only reader of the environment.
        settings = aai.Settings.construct(
            api_key=api_key,
            base_url=base_url.rstrip("/"),
            polling_interval=poll_interval,
            http_timeout=60.0,
            llm_gateway_base_url=(gateway_url or "").rstrip("/").removesuffix("/v1"),
            llm_gateway_http_timeout=IDENTIFY_TIMEOUT,
        )
        self._client = aai.AsyncClient(settings=settings)
        self._gateway = aai.AsyncLLMGateway(client=self._client) if gateway_url else None
        self._sdk = aai.AsyncTranscriber(client=self._client)
        self._http = self._client.http_client
        self._models = list(speech_models)
        self._poll = poll_interval
        self._backoff = backoff
        self._webhook = (webhook_url, webhook_secret)

    async def upload(
        self, open_chunks: Callable[[], AsyncIterable[bytes]], size: int | None = None
    ) -> str:
        """Stream bytes to /v2/upload; a retry calls `open_chunks` again for a fresh stream."""
        headers = {"Content-Length": str(size)} if size is not None else None

        async def once() -> str:
            chunks = open_chunks()
            try:
                return await async_api.upload_file(self._http, chunks, headers=headers)
            finally:  # release the source (e.g. an open Slack download) on any outcome
                close = getattr(chunks, "aclose", None)
                if close is not None:
                    await close()

        return await self._call(once)

    async def upload_file(self, path: str) -> str:
        """Stream a local file to /v2/upload (the SDK reads it off the event loop)."""
        return await self._call(lambda: self._sdk.upload_file(path))

    async def submit(self, audio_url: str, known_values: Sequence[str] = ()) -> str:
        """Create the transcript job; returns its id the moment AssemblyAI answers.

        With `known_values` (bot.core.identification.known_values) the create also asks
        Speaker Identification to name the speakers among them. A create refused (400) over
        that part is made again without it: names are a nicety, the transcript is not.
        """
        config = aai.TranscriptionConfig(
            speaker_labels=True, speech_models=self._models, language_detection=True
        )
        if known_values:
            config.speech_understanding = {"request": identification_request(known_values)}
        url, secret = self._webhook
        if url:
            config.set_webhook(url, WEBHOOK_HEADER, secret)
        since = datetime.now(UTC) - CLOCK_SKEW
        unsure = False  # a create that may have been taken although no answer came back

        async def once() -> str:
            nonlocal unsure
            found = await find_created_since(self._http, audio_url, since) if unsure else None
            if found is not None:
                return found  # the lost answer's transcript: never transcribe twice
            try:
                transcript = await self._sdk.submit(audio_url, config)
            except (httpx.TimeoutException, httpx.TransportError):
                unsure = True
                raise
            except aai.types.AssemblyAIError as error:
                if error.status_code != 400 or config.speech_understanding is None:
                    raise
                log.warning("create refused with speaker identification (%s); "
                            "creating without it", reason(error))
                config.speech_understanding = None
                raise Transient("HTTP 400 with speaker identification", 0.0) from None
            return str(transcript.id)

        return await self._call(once)

    async def fetch(self, transcript_id: str) -> Status:
        """One GET; a completed transcript comes back converted.

        Read as plain JSON, not through the SDK's models: they validate every word (50k
        objects for 3 hours, about a second of CPU on the event loop), and Recap needs only
        the utterances, so the words are cut out before parsing (bot.core.transcript_json:
        ~150 ms of event-loop CPU for 3 hours). A very big body is decoded off the event loop.
        """

        async def once() -> bytes:
            response = await self._http.get(f"/v2/transcript/{transcript_id}")
            if response.status_code != 200:
                raise aai.types.TranscriptError(
                    f"failed to retrieve transcript {transcript_id}: {error_text(response)}",
                    response.status_code,
                )
            return response.content

        body = await self._call(once)
        big = len(body) > BIG_BODY
        return status_from_json(await asyncio.to_thread(parse_json, body) if big
                                else parse_json(body))

    async def wait(
        self,
        transcript_id: str,
        *,
        deadline_s: float,
        on_poll: Callable[[str], Awaitable[None]] | None = None,
        duration_ms: int | None = None,
        elapsed_s: float = 0.0,
        look_first: bool = True,
    ) -> Transcript:
        """Poll until completed; `on_poll(status)` runs after every look.

        When the GETs happen is bot.core.polling's schedule: sparse until the window around
        the expected completion (from `duration_ms`, the source's length, or the job's
        `audio_duration` once AssemblyAI reports it), dense in it, 5 % of the wait after it,
        and one GET per 2 s on average at the default poll interval. `elapsed_s` is how long
        ago the job was submitted (a webhook's safety wait); `look_first=False` skips the
        immediate look of a job just submitted whose length is known. Each wait counts from
        the previous GET's start, so its round trip does not stretch the dense step.
        """
        started = time.monotonic() - elapsed_s
        give_up = time.monotonic() + deadline_s
        expected = expected_turnaround(duration_ms, self._poll)
        polls = 0
        if not look_first and expected > 0:
            await asyncio.sleep(min(deadline_s, next_poll_in(elapsed_s, 0, expected, self._poll)))
        while True:
            looked = time.monotonic()  # the schedule counts from each GET's start
            status = await self.fetch(transcript_id)
            polls += 1
            if on_poll is not None:
                await on_poll(status.status)
            if status.status == "completed" and status.transcript is not None:
                return status.transcript
            if status.status == "error":
                raise TranscriptionFailed(
                    f"AssemblyAI could not transcribe this recording: {status.error}"
                )
            left = give_up - time.monotonic()
            if left <= 0:
                raise TranscriptionTimedOut(
                    f"AssemblyAI had not finished transcribing after {_span(deadline_s)}. "
                    "Press Retry later to pick up the transcript once it is done; "
                    "the recording will not be transcribed again."
                )
            if status.audio_duration_ms:
                expected = expected_turnaround(status.audio_duration_ms, self._poll)
            wait = next_poll_in(looked - started, polls, expected, self._poll)
            await asyncio.sleep(max(0.0, min(wait - (time.monotonic() - looked), left)))

    @property
    def can_identify(self) -> bool:
        """Whether Speaker Identification can run on a finished transcript (a Gateway is set)."""
        return self._gateway is not None

    async def identify(self, transcript_id: str, known_values: Sequence[str]) -> dict[str, str]:
        """{label: name} from Speaker Identification on a finished transcript; nothing is
        transcribed again, and the stored transcript at AssemblyAI keeps its letters.

        `POST {gateway}/v1/understanding {transcript_id, speech_understanding: {request}}`
        (assemblyai-api-spec speaker-identification-existing-transcript.mdx; the SDK's
        `AsyncLLMGateway.understanding.create`). One retry at most: its limit is a few
        requests a minute, and names are not worth a long wait. A status other than success
        is no names.
        """
        if self._gateway is None or not known_values:
            return {}
        understanding = self._gateway.understanding
        request = identification_request(known_values)

        async def once() -> dict[str, Any]:
            reply = await understanding.create(transcript_id=transcript_id, request=request)
            return dict(reply.speech_understanding)

        block = await self._call(once, attempts=2)
        status, mapping = identification_result(block)
        if status != "success":
            log.info("speaker identification of %s ended %r: no names", transcript_id, status)
        return mapping

    async def delete(self, transcript_id: str) -> None:
        """Delete the transcript and its uploaded file at AssemblyAI; already gone is fine."""

        async def once() -> None:
            try:
                await async_api.delete_transcript(self._http, transcript_id)
            except aai.types.AssemblyAIError as error:
                if error.status_code not in (400, 404):
                    raise
            except ValueError:  # deleted, with an answer the SDK's pydantic can't parse
                pass

        await self._call(once)

    async def check(self) -> tuple[bool, str]:
        """For `recap doctor`: one cheap authenticated GET."""

        async def once() -> None:
            response = await self._http.get("/v2/transcript", params={"limit": 1})
            if response.status_code != 200:
                try:
                    reason = str(response.json().get("error"))
                except ValueError:
                    reason = response.text[:200]
                raise aai.types.AssemblyAIError(f"list: {reason}", response.status_code)

        try:
            await self._call(once)
        except Exception as error:  # every RecapError carries its sentence
            return False, getattr(error, "message", str(error))
        return True, f"AssemblyAI at {self._client.settings.base_url} accepts the key"

    async def aclose(self) -> None:
        if self._gateway is not None:
            await self._gateway.aclose()
        await self._sdk.aclose()
        await self._client.aclose()

    async def _call(self, call: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
        """Run one SDK call with retries; map what is left to bot.errors."""

        async def once() -> T:
            try:
                return await call()
            except aai.types.AssemblyAIError as error:
                code = error.status_code or 0
                if code == 429 or code >= 500:
                    raise Transient(f"HTTP {code}", self._retry_after(code)) from None
                raise
            except httpx.TimeoutException:
                raise Transient("timed out") from None
            except httpx.TransportError as error:
                raise Transient(f"connection failed: {type(error).__name__}") from None

        try:
            return await with_retries(once, service="AssemblyAI", backoff=self._backoff,
                                      attempts=attempts)
        except aai.types.AssemblyAIError as error:
            raise rejected(error) from None

    def _retry_after(self, code: int) -> float | None:
        # last_response is per client, so only trust it when it is the answer we failed on.
        last = self._client.last_response
        if last is None or last.status_code != code:
            return None
        return parse_retry_after(last.headers.get("retry-after"))
