"""AssemblyAI's transcript JSON as the simulator writes it: a job's time-based lifecycle
(queued -> processing -> completed | error) and the bodies of GET /v2/transcript/{id} and of
the list, with words and utterances laid out as the real service does (and as the assemblyai
1.8.2 SDK parses them: `speech_model` null, the model in `speech_model_used`), plus what a
finished job reports for Speaker Identification (bot/sim/speaker_id.py) and which model of the
`speech_models` list ran. The list item follows openapi.yml `TranscriptListItem` (naive UTC
times, `completed` null for failed jobs, a deleted file's `audio_url` "http://deleted_by_user").

Pure functions of a job and a clock reading. May import: the standard library and
bot.sim.samples.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sim.samples import SAMPLE_NAMES, UtteranceSpec, sample_utterances
from bot.sim.speaker_id import config_of, relabel, response_block

DEFAULT_SPEECH_MODEL = "universal-3-pro"
DELETED_AUDIO_URL = "http://deleted_by_user"
U3_PRO_LANGUAGES = frozenset({"en", "es", "pt", "fr", "de", "it"})
"""universal-3-pro's six languages (docs faq what-languages-do-you-support); universal-2 has 99."""


@dataclass
class Script:
    """What a job transcribes to (set with AssemblyAISim.script)."""

    utterances: list[UtteranceSpec] | None = None
    error: str | None = None
    processing_seconds: float | None = None
    never_complete: bool = False
    language_code: str | None = None
    names: dict[str, str] | None = None
    """Each diarized label's true name or role ({"A": "Priya Shah"}), for Speaker Identification;
    the sample stand-up's people (Alice, Bob, Carmen) when neither is scripted."""

    def identities(self) -> dict[str, str]:
        if self.names is not None:
            return self.names
        return dict(SAMPLE_NAMES) if self.utterances is None else {}

    def turns(self) -> list[UtteranceSpec]:
        return sample_utterances() if self.utterances is None else self.utterances

    def labels(self) -> list[str]:
        """Speaker labels in order of first appearance."""
        return list(dict.fromkeys(turn[0] for turn in self.turns()))


@dataclass
class Job:
    """One transcript job: its request, its script and its clock (event-loop seconds)."""

    id: str
    request: dict[str, Any]
    script: Script
    created: float
    done_at: float
    created_iso: str
    deleted: bool = False
    webhook_status_code: int | None = None
    result: dict[str, Any] | None = None
    speech_model: str = DEFAULT_SPEECH_MODEL
    """The model of `speech_models` that transcribes (or would have) the job."""
    mapping: dict[str, str] | None = None
    """Speaker Identification asked for in the create: the labels it names."""
    identification_status: str = "success"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _naive(iso: str, later_s: float = 0.0) -> str:
    """An ISO time as the transcript list writes it: UTC without an offset."""
    moment = datetime.fromisoformat(iso) + timedelta(seconds=later_s)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def _confidence(word: str) -> float:
    return round(0.86 + (zlib.crc32(word.encode()) % 14) / 100, 2)


def result_fields(utterances: list[UtteranceSpec], diarized: bool) -> dict[str, Any]:
    """text/words/utterances/audio_duration/confidence the way AssemblyAI lays them out."""
    all_words: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for speaker, start, end, text in utterances:
        tokens = text.split()
        span = max(1, end - start) / max(1, len(tokens))
        words: list[dict[str, Any]] = [
            {
                "text": tok,
                "start": int(start + i * span),
                "end": max(int(start + (i + 1) * span), int(start + i * span) + 1),
                "confidence": _confidence(tok),
                "speaker": speaker if diarized else None,
            }
            for i, tok in enumerate(tokens)
        ]
        all_words.extend(words)
        scores = [float(w["confidence"]) for w in words]
        confidence = round(sum(scores) / max(1, len(scores)), 4)
        turns.append(
            {"speaker": speaker, "text": text, "start": start, "end": end,
             "confidence": confidence, "words": words}
        )
    overall = sum(float(w["confidence"]) for w in all_words) / len(all_words) if all_words else None
    return {
        "text": " ".join(u[3] for u in utterances),
        "words": all_words,
        "utterances": turns if diarized else None,
        "audio_duration": math.ceil(max((u[2] for u in utterances), default=0) / 1000),
        "confidence": round(overall, 4) if overall is not None else None,
    }


def model_for(
    models: list[str], language: str, languages: dict[str, frozenset[str]]
) -> str | None:
    """The first model of the priority list that speaks `language`, or None.

    AssemblyAI falls back only to a model named in `speech_models` (assemblyai-stt-3-7
    migration guide, "Model fallback"); a model missing from `languages` speaks them all.
    """
    base = language.split("_")[0].lower()
    for model in models:
        supported = languages.get(model)
        if supported is None or base in supported:
            return model
    return None


def unsupported_language(language: str, models: list[str]) -> str:
    """The job error when no listed model speaks the language (the simulator's wording)."""
    return f"Language {language} is not supported by any of the speech_models {models}."


def status_of(job: Job, now: float) -> str:
    """queued for the first quarter of the job's time, then processing, then done."""
    if job.deleted:
        return "completed"
    if now >= job.done_at and not job.script.never_complete:
        return "error" if job.script.error else "completed"
    queued_until = job.created + (job.done_at - job.created) / 4
    return "processing" if now >= queued_until else "queued"


def list_item(job: Job, now: float, base_url: str) -> dict[str, Any]:
    """The job as GET /v2/transcript lists it."""
    status = status_of(job, now)
    done = status == "completed"
    return {
        "id": job.id,
        "resource_url": f"{base_url}/v2/transcript/{job.id}",
        "status": status,
        "created": _naive(job.created_iso),
        "completed": _naive(job.created_iso, job.done_at - job.created) if done else None,
        "audio_url": DELETED_AUDIO_URL if job.deleted else job.request["audio_url"],
        "error": job.script.error if status == "error" else None,
    }


def list_page(
    jobs: list[Job], query: Mapping[str, str], now: float, base_url: str
) -> dict[str, Any]:
    """GET /v2/transcript: newest first, `limit` 1..200 (default 10), filtered by `status`,
    `created_on` (YYYY-MM-DD) and `before_id` (older) or `after_id` (newer); `prev_url` pages
    to older transcripts, `next_url` to newer (openapi.yml listTranscripts, PageDetails)."""
    raw_limit = query.get("limit") or "10"
    limit = max(1, min(200, int(raw_limit))) if raw_limit.isdigit() else 10
    newest = list(reversed(jobs))
    ids = [j.id for j in newest]
    after = False
    if (before_id := query.get("before_id")) in ids:
        newest = newest[ids.index(before_id) + 1 :]
    elif (after_id := query.get("after_id")) in ids:
        newest, after = newest[: ids.index(after_id)], True
    if status := query.get("status"):
        newest = [j for j in newest if status_of(j, now) == status]
    if created_on := query.get("created_on"):
        newest = [j for j in newest if _naive(j.created_iso).startswith(f"{created_on}T")]
    page = newest[-limit:] if after else newest[:limit]
    base = f"{base_url}/v2/transcript?limit={limit}"
    details = {
        "limit": limit,
        "result_count": len(page),
        "current_url": base,
        "prev_url": f"{base}&before_id={page[-1].id}" if page else None,
        "next_url": f"{base}&after_id={page[0].id}" if page else None,
    }
    return {"page_details": details, "transcripts": [list_item(j, now, base_url) for j in page]}


def transcript_body(job: Job, now: float) -> dict[str, Any]:
    """The Transcript object: request fields echoed, result fields per status."""
    req = job.request
    status = status_of(job, now)
    detection = bool(req.get("language_detection", False))
    language = req.get("language_code") or job.script.language_code or "en_us"
    models = req.get("speech_models") or None
    body = {k: v for k, v in req.items() if k != "webhook_auth_header_value"}
    body.update(
        id=job.id,
        status=status,
        audio_url=req["audio_url"],
        speech_model=None,
        speech_models=models,
        speech_model_used=job.speech_model,
        language_model="assemblyai_default",
        acoustic_model="assemblyai_default",
        language_code="en_us" if language == "en" else language,
        language_detection=detection,
        language_confidence_threshold=req.get("language_confidence_threshold"),
        language_confidence=0.9959 if detection and status == "completed" else None,
        punctuate=req.get("punctuate", True),
        format_text=req.get("format_text", True),
        speaker_labels=bool(req.get("speaker_labels", False)),
        webhook_url=req.get("webhook_url"),
        webhook_auth=bool(req.get("webhook_auth_header_name")),
        webhook_status_code=job.webhook_status_code,
        auto_highlights=bool(req.get("auto_highlights", False)),
        redact_pii=bool(req.get("redact_pii", False)),
        summarization=bool(req.get("summarization", False)),
        text=None, words=None, utterances=None, confidence=None, audio_duration=None,
        error=job.script.error if status == "error" else None,
        speech_understanding=_understanding(req.get("speech_understanding")),
    )
    if status == "completed":
        if job.result is None:
            job.result = result_fields(job.script.turns(), bool(req.get("speaker_labels")))
            if job.mapping is not None:
                job.result.update(
                    words=relabel(job.result["words"], job.mapping),
                    utterances=relabel(job.result["utterances"], job.mapping),
                )
        body.update(job.result)
        if job.mapping is not None:
            body["speech_understanding"] = response_block(
                req["speech_understanding"]["request"], job.mapping, job.identification_status
            )
    if job.deleted:
        body.update(text="Deleted by user.", words=None, utterances=None)
    return body


def _understanding(asked: Any) -> dict[str, Any] | None:
    """The create's `speech_understanding` echoed (no response yet), or null without one."""
    if not isinstance(asked, dict):
        return None
    return {"request": asked.get("request"), "response": None}


def identification_asked(request: dict[str, Any]) -> dict[str, Any] | None:
    """The create request's speaker_identification object, if it has one."""
    return config_of(request.get("speech_understanding"))
