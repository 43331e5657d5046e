"""Simulated AssemblyAI STT API (/v2/upload, /v2/transcript) for tests and `recap demo`.

Behaves as API-NOTES.md §1 describes the real service: raw-key (or Bearer) auth, streamed
uploads, a time-based queued -> processing -> completed|error lifecycle, transcripts the
assemblyai 1.8.2 SDK parses (`speech_model` null, the model in `speech_model_used`), DELETE
that blanks the text, webhooks with retries, and the documented error bodies. What a job
transcribes to is scripted with `script()`; the default is the bundled sample stand-up.
`speech_models` is a priority list: the first model that speaks the job's language runs and is
reported in `speech_model_used` (fallback only within the list, per the assemblyai-stt-3-7
migration guide). Speaker Identification asked for in the create relabels the finished
transcript by the rule of bot/sim/speaker_id.py; the later run on a finished transcript is the
LLM Gateway's `POST /v1/understanding` (LLMSim, bot/sim/understanding.py), which reads the jobs
here through `job()` and never re-transcribes. `drop_after_create()` creates a transcript and
then cuts the connection before the answer, so retried creates make duplicates (find them with
`GET /v2/transcript`).
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
from bot.sim.assemblyai_hooks import WebhookDelivery, WebhookSender
from bot.sim.assemblyai_json import (
    DEFAULT_SPEECH_MODEL,
    U3_PRO_LANGUAGES,
    Job,
    Script,
    identification_asked,
    list_page,
    model_for,
    now_iso,
    transcript_body,
    unsupported_language,
)
from bot.sim.samples import SAMPLE_AUDIO, UtteranceSpec, meeting, sample_utterances
from bot.sim.speaker_id import NEEDS_DIARIZATION, candidates, identify, problem_with

__all__ = [
    "AUTH_ERROR",
    "HTML_ERROR",
    "NOT_FOUND_ERROR",
    "SAMPLE_AUDIO",
    "AssemblyAISim",
    "Identification",
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


@dataclass(frozen=True)
class Identification:
    """One Speaker Identification request: in a create ("transcript") or a later run
    ("understanding"), what it offered and which labels it named."""

    transcript_id: str
    via: str
    speaker_type: str
    offered: tuple[str, ...]
    mapping: dict[str, str]


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip()[:64].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<!--"))



@dataclass(eq=False)
class AssemblyAISim(WebhookSender, SimServer):
    """AssemblyAI's STT REST API on loopback. Knobs are plain attributes, settable at run time.

    Counters: `uploads`, `creates`, `gets`, `deletes`, `lists` (from the request log, faults
    included), `transcriptions` (jobs created: a later identification never adds one),
    `creates_dropped`, `uploaded` (list of Upload), `webhooks` (list of WebhookDelivery),
    `webhooks_dropped`, `identifications` (list of Identification).
    """

    api_key: str = "sim-assemblyai-key"
    processing_seconds: float = 0.2
    webhook_retry_interval: float = 0.2
    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 10
    webhook_duplicates: int = 0
    webhook_enabled: bool = True
    wrong_project: bool = False
    default_speech_model: str = DEFAULT_SPEECH_MODEL
    """What runs when a create sets no `speech_models` (assemblyai-stt-3-7 for new accounts)."""
    model_languages: dict[str, frozenset[str]] = field(
        default_factory=lambda: {"universal-3-pro": U3_PRO_LANGUAGES}
    )
    """Languages (base codes) each model speaks; a model not listed speaks every language."""
    identification_status: str = "success"
    """What a create's Speaker Identification ends in; any other value names nobody (the
    vendor's failure statuses were not found: the SDK types `status` as a plain string)."""
    transcriptions: int = field(default=0, init=False)
    creates_dropped: int = field(default=0, init=False)
    identifications: list[Identification] = field(default_factory=list, init=False, repr=False)
    uploaded: list[Upload] = field(default_factory=list, init=False, repr=False)
    webhooks: list[WebhookDelivery] = field(default_factory=list, init=False, repr=False)
    webhooks_dropped: int = field(default=0, init=False)
    stream_paths: ClassVar[tuple[str, ...]] = ("/v2/upload",)
    _jobs: dict[str, Job] = field(default_factory=dict, init=False, repr=False)
    _uploads: dict[str, Upload] = field(default_factory=dict, init=False, repr=False)
    _scripts: dict[str, Script] = field(default_factory=dict, init=False, repr=False)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)
    _session: aiohttp.ClientSession | None = field(default=None, init=False, repr=False)
    _drops: int = field(default=0, init=False, repr=False)
    _drops_before: int = field(default=0, init=False, repr=False)

    # -- scripting --------------------------------------------------------------------------
    def script(
        self,
        match: str,
        utterances: list[UtteranceSpec] | None = None,
        error: str | None = None,
        processing_seconds: float | None = None,
        never_complete: bool = False,
        language_code: str | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        """Decide what jobs transcribe to. `match`: an upload's sha256, an audio_url, or "*".

        `utterances` None means the sample stand-up; `error` makes the job end in status error;
        `names` gives each diarized label its true name or role, which Speaker Identification
        reports only when the request offers it.
        """
        self._scripts[match] = Script(
            list(utterances) if utterances is not None else None,
            error, processing_seconds, never_complete, language_code,
            dict(names) if names else None,
        )

    def drop_after_create(self, times: int = 1) -> None:
        """The next `times` creates make their transcript, then drop the connection unanswered."""
        self._drops = max(0, min(1000, times))

    def drop_before_create(self, times: int = 1) -> None:
        """The next `times` creates drop the connection before anything is made."""
        self._drops_before = max(0, min(1000, times))

    def job(self, transcript_id: str) -> Job | None:
        """The job behind a transcript id (None if unknown or expired), for LLMSim's
        /v1/understanding and for assertions."""
        return self._jobs.get(transcript_id)

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

    @property
    def lists(self) -> int:
        return sum(1 for r in self.requests if r.method == "GET" and r.path == "/v2/transcript")

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
        identification = identification_asked(params)
        if identification is not None:
            if problem := problem_with(identification):
                return json_response({"error": problem}, 400)
            if not params.get("speaker_labels") and not params.get("multichannel"):
                return json_response({"error": NEEDS_DIARIZATION}, 400)
        if self.wrong_project:
            return json_response({"error": "Cannot access uploaded file"}, 403)
        if self._drops_before > 0:
            self._drops_before -= 1
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        job = self._new_job(params, identification)
        if self._drops > 0:
            self._drops -= 1
            self.creates_dropped += 1
            if request.transport is not None:
                request.transport.abort()
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
        now = asyncio.get_running_loop().time()
        jobs = list(self._jobs.values())
        return json_response(list_page(jobs, request.query, now, self.base_url))

    # -- job state --------------------------------------------------------------------------
    def _new_job(self, params: dict[str, Any], identification: dict[str, Any] | None) -> Job:
        script = self._script_for(params["audio_url"])
        seconds = script.processing_seconds
        seconds = self.processing_seconds if seconds is None else seconds
        models = [str(m) for m in params.get("speech_models") or [self.default_speech_model]]
        language = str(params.get("language_code") or script.language_code or "en_us")
        model = model_for(models, language, self.model_languages)
        if model is None and script.error is None:
            script = replace(script, error=unsupported_language(language, models))
        now = asyncio.get_running_loop().time()
        job = Job(str(uuid.uuid4()), params, script, now, now + seconds, now_iso(),
                  speech_model=model or models[0])
        if identification is not None:
            job.mapping = identify(script.labels(), script.identities(), identification)
            job.identification_status = self.identification_status
            if self.identification_status != "success":
                job.mapping = {}
            self.record_identification(job, "transcript", identification, job.mapping)
        self._jobs[job.id] = job
        self.transcriptions += 1
        if params.get("webhook_url") and not script.never_complete:
            task = asyncio.create_task(self._notify(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return job

    def record_identification(
        self, job: Job, via: str, config: dict[str, Any], mapping: dict[str, str]
    ) -> None:
        """Count one Speaker Identification request (LLMSim calls it for /v1/understanding)."""
        offered = tuple(candidates(config))
        kind = str(config.get("speaker_type"))
        self.identifications.append(Identification(job.id, via, kind, offered, dict(mapping)))
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
