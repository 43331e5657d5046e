"""Simulated AssemblyAI STT API (/v2/upload, /v2/transcript) for tests and `recap demo`.

Behaves as API-NOTES.md §1 describes the real service: raw-key (or Bearer) auth, streamed
uploads, a time-based queued -> processing -> completed|error lifecycle, transcripts the
assemblyai 1.8.2 SDK parses (`speech_model` null, the model in `speech_model_used`), DELETE
that blanks the text, webhooks with retries, and the documented error bodies. What a job
transcribes to is scripted with `script()`; the default is the bundled sample stand-up.
This module is the server (routes, auth, uploads, scripting, webhooks, counters); the
transcript JSON and the job lifecycle are bot/sim/assemblyai_json.py.
May import: the standard library, aiohttp and bot.sim.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

from bot.sim import SimServer, json_response
from bot.sim.assemblyai_json import (
    Job,
    Script,
    list_item,
    now_iso,
    status_of,
    transcript_body,
)
from bot.sim.samples import SAMPLE_AUDIO, UtteranceSpec, meeting, sample_utterances

__all__ = [
    "AUTH_ERROR",
    "HTML_ERROR",
    "NOT_FOUND_ERROR",
    "SAMPLE_AUDIO",
    "AssemblyAISim",
    "Upload",
    "UtteranceSpec",
    "WebhookDelivery",
    "download_error",
    "meeting",
    "sample_utterances",
]

AUTH_ERROR = "Authentication error, API token missing/invalid"
NOT_FOUND_ERROR = "Transcript lookup error, transcript id not found"
HTML_ERROR = (
    "File does not appear to contain audio. File type is text/html (HTML document, ASCII text)."
)
CDN_PREFIX = "https://cdn.assemblyai.com/upload/"
_SPEAKERS_CONFLICT = (
    "Both speaker_options and speakers_expected can not be used in the same request."
)


def download_error(url: str) -> str:
    """The documented job error for an audio_url AssemblyAI cannot fetch."""
    return (
        f"Download error, unable to download {url}. "
        "Please make sure the file exists and is accessible from the internet."
    )


@dataclass(frozen=True)
class Upload:
    """One received upload: tests assert the streamed byte count and digest."""

    upload_url: str
    size: int
    sha256: str
    head: bytes = field(repr=False, default=b"")


@dataclass
class WebhookDelivery:
    """One POST the sim made to a webhook_url (`status_code` None on timeout/connection error)."""

    url: str
    transcript_id: str
    status: str
    headers: dict[str, str]
    status_code: int | None
    error: str | None = None
    duplicate: bool = False



def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip()[:64].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<!--"))



@dataclass(eq=False)
class AssemblyAISim(SimServer):
    """AssemblyAI's STT REST API on loopback. Knobs are plain attributes, settable at run time.

    Counters: `uploads`, `creates`, `gets`, `deletes` (from the request log, faults included),
    `uploaded` (list of Upload), `webhooks` (list of WebhookDelivery), `webhooks_dropped`.
    """

    api_key: str = "sim-assemblyai-key"
    processing_seconds: float = 0.2
    webhook_retry_interval: float = 0.2
    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 10
    webhook_duplicates: int = 0
    webhook_enabled: bool = True
    wrong_project: bool = False
    drop_after_create: int = 0
    """The next this many creates make the transcript, then drop the connection unanswered
    (as a time-out or a reset after AssemblyAI took it): the client never sees the id."""
    drop_before_create: int = 0
    """The next this many creates drop the connection before anything is made."""
    uploaded: list[Upload] = field(default_factory=list, init=False, repr=False)
    webhooks: list[WebhookDelivery] = field(default_factory=list, init=False, repr=False)
    webhooks_dropped: int = field(default=0, init=False)
    stream_paths: ClassVar[tuple[str, ...]] = ("/v2/upload",)
    _jobs: dict[str, Job] = field(default_factory=dict, init=False, repr=False)
    _uploads: dict[str, Upload] = field(default_factory=dict, init=False, repr=False)
    _scripts: dict[str, Script] = field(default_factory=dict, init=False, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)

    # -- scripting --------------------------------------------------------------------------
    def script(
        self,
        match: str,
        utterances: list[UtteranceSpec] | None = None,
        error: str | None = None,
        processing_seconds: float | None = None,
        never_complete: bool = False,
        language_code: str | None = None,
    ) -> None:
        """Decide what jobs transcribe to. `match`: an upload's sha256, an audio_url, or "*".

        `utterances` None means the sample stand-up; `error` makes the job end in status error.
        """
        self._scripts[match] = Script(
            list(utterances) if utterances is not None else None,
            error, processing_seconds, never_complete, language_code,
        )

    def expire(self, transcript_id: str) -> None:
        """Forget a transcript, as AssemblyAI does after its retention period."""
        self._jobs.pop(transcript_id, None)

    def complete(self, transcript_id: str) -> None:
        """Finish a job now, e.g. one scripted `never_complete` (a late completion).

        With a webhook_url the call goes out as it would have at completion.
        """
        job = self._jobs[transcript_id]
        job.script = replace(job.script, never_complete=False)
        job.done_at = asyncio.get_running_loop().time()
        if job.request.get("webhook_url"):
            task = asyncio.create_task(self._notify(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def transcript(self, transcript_id: str) -> dict[str, Any] | None:
        """The JSON a GET would return now (None if unknown), for assertions."""
        job = self._jobs.get(transcript_id)
        return self._body(job) if job else None

    @property
    def transcript_ids(self) -> list[str]:
        """Ids of the known transcripts, oldest first."""
        return list(self._jobs)

    @property
    def uploads(self) -> int:
        return self.count("POST", "/v2/upload")

    @property
    def creates(self) -> int:
        return sum(1 for r in self.requests if r.method == "POST" and r.path == "/v2/transcript")

    @property
    def gets(self) -> int:
        return self.count("GET", "/v2/transcript/")

    @property
    def deletes(self) -> int:
        return self.count("DELETE", "/v2/transcript/")

    # -- server plumbing --------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v2/upload", self._upload)
        router.add_post("/v2/transcript", self._create)
        router.add_get("/v2/transcript", self._list)
        router.add_get("/v2/transcript/{id}", self._get)
        router.add_delete("/v2/transcript/{id}", self._delete)

    def fault_body(self, status: int) -> Any:
        if status == 429:
            return {"error": "Too Many Requests"}
        if status >= 500:
            return {"error": "Server error, developers have been alerted."}
        return {"error": f"HTTP {status}"}

    async def on_start(self) -> None:
        self._session = aiohttp.ClientSession()

    async def on_stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        key = request.headers.get("authorization", "").strip()
        if key.lower().startswith("bearer "):
            key = key[7:].strip()
        if key != self.api_key:
            return json_response({"error": AUTH_ERROR}, 401)
        return None

    # -- handlers ---------------------------------------------------------------------------
    async def _upload(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        digest, size, head = hashlib.sha256(), 0, b""
        async for chunk in request.content.iter_chunked(1 << 16):
            digest.update(chunk)
            size += len(chunk)
            if len(head) < 512:
                head += chunk[: 512 - len(head)]
        upload = Upload(f"{CDN_PREFIX}{uuid.uuid4()}", size, digest.hexdigest(), head)
        self.recorded(request).body_size = size
        self.uploaded.append(upload)
        self._uploads[upload.upload_url] = upload
        return json_response({"upload_url": upload.upload_url})

    async def _create(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        try:
            params = await request.json()
        except ValueError:
            return json_response({"error": "Invalid JSON body"}, 400)
        if not isinstance(params, dict) or not isinstance(params.get("audio_url"), str):
            return json_response({"error": "audio_url is a required field"}, 400)
        if params.get("speakers_expected") and params.get("speaker_options"):
            return json_response({"error": _SPEAKERS_CONFLICT}, 400)
        if self.wrong_project:
            return json_response({"error": "Cannot access uploaded file"}, 403)
        if self.drop_before_create > 0:
            self.drop_before_create -= 1
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        script = self._script_for(params["audio_url"])
        seconds = script.processing_seconds
        seconds = self.processing_seconds if seconds is None else seconds
        now = asyncio.get_running_loop().time()
        job = Job(str(uuid.uuid4()), params, script, now, now + seconds, now_iso())
        self._jobs[job.id] = job
        if params.get("webhook_url") and not script.never_complete:
            task = asyncio.create_task(self._notify(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if self.drop_after_create > 0:
            self.drop_after_create -= 1
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        return json_response(self._body(job))

    async def _get(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        job = self._jobs.get(request.match_info["id"])
        if job is None:
            return json_response({"error": NOT_FOUND_ERROR}, 400)
        return json_response(self._body(job))

    async def _delete(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        job = self._jobs.get(request.match_info["id"])
        if job is None:
            return json_response({"error": NOT_FOUND_ERROR}, 400)
        job.deleted = True
        self._uploads.pop(job.request["audio_url"], None)
        return json_response(self._body(job))

    async def _list(self, request: web.Request) -> web.Response:
        if denied := self._unauthorized(request):
            return denied
        limit = max(1, min(200, int(request.query.get("limit", "10") or 10)))
        jobs = list(reversed(self._jobs.values()))
        ids = [j.id for j in jobs]
        if (before := request.query.get("before_id")) in ids:
            jobs = jobs[ids.index(before) + 1 :]
        elif (after := request.query.get("after_id")) in ids:
            jobs = jobs[: ids.index(after)]
        if status := request.query.get("status"):
            now = asyncio.get_running_loop().time()
            jobs = [j for j in jobs if status_of(j, now) == status]
        page = jobs[:limit]
        now = asyncio.get_running_loop().time()
        items = [list_item(j, now, self.base_url) for j in page]
        base = f"{self.base_url}/v2/transcript?limit={limit}"
        details = {
            "limit": limit,
            "result_count": len(items),
            "current_url": base,
            "prev_url": f"{base}&before_id={page[-1].id}" if page else None,
            "next_url": None,
        }
        return json_response({"page_details": details, "transcripts": items})

    # -- job state --------------------------------------------------------------------------
    def _body(self, job: Job) -> dict[str, Any]:
        return transcript_body(job, asyncio.get_running_loop().time())

    def _script_for(self, audio_url: str) -> Script:
        upload = self._uploads.get(audio_url)
        if upload and upload.sha256 in self._scripts:
            return self._scripts[upload.sha256]
        if audio_url in self._scripts:
            return self._scripts[audio_url]
        if upload and _looks_like_html(upload.head):
            return Script(error=HTML_ERROR)
        if not audio_url.startswith(("http://", "https://")) or (
            audio_url.startswith(CDN_PREFIX) and upload is None
        ):
            return Script(error=download_error(audio_url))
        return self._scripts.get("*", Script())

    # -- webhooks ---------------------------------------------------------------------------
    async def _notify(self, job: Job) -> None:
        await asyncio.sleep(max(0.0, job.done_at - asyncio.get_running_loop().time()))
        if job.id not in self._jobs:
            return
        if not self.webhook_enabled:
            self.webhooks_dropped += 1
            return
        req = job.request
        headers = {"content-type": "application/json"}
        name, value = req.get("webhook_auth_header_name"), req.get("webhook_auth_header_value")
        if name and value:
            headers[name] = value
        status = status_of(job, asyncio.get_running_loop().time())
        payload = {"transcript_id": job.id, "status": status}
        for attempt in range(max(1, self.webhook_max_attempts)):
            if attempt:
                await asyncio.sleep(self.webhook_retry_interval)
            code = await self._post(job, req["webhook_url"], payload, headers, duplicate=False)
            if code is not None and code < 500 and not 300 <= code < 400:
                break  # 2xx delivered, 4xx given up on (as documented)
        if job.webhook_status_code is not None and 200 <= job.webhook_status_code < 300:
            for _ in range(self.webhook_duplicates):
                await self._post(job, req["webhook_url"], payload, headers, duplicate=True)

    async def _post(
        self, job: Job, url: str, payload: dict[str, str], headers: dict[str, str], duplicate: bool
    ) -> int | None:
        assert self._session is not None
        record = WebhookDelivery(url, job.id, payload["status"], headers, None, None, duplicate)
        self.webhooks.append(record)
        try:
            timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
            async with self._session.post(url, json=payload, headers=headers, timeout=timeout) as r:
                await r.read()
                record.status_code = r.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        if record.status_code is not None:
            job.webhook_status_code = record.status_code
        return record.status_code
