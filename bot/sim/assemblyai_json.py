"""AssemblyAI's transcript JSON as the simulator writes it: a job's time-based lifecycle
(queued -> processing -> completed | error) and the bodies of GET /v2/transcript/{id} and of
the list, with words and utterances laid out as the real service does (and as the assemblyai
1.8.2 SDK parses them: `speech_model` null, the model in `speech_model_used`).

Pure functions of a job and a clock reading. May import: the standard library and
bot.sim.samples.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.sim.samples import UtteranceSpec, sample_utterances

DEFAULT_SPEECH_MODEL = "universal-3-pro"


@dataclass
class Script:
    """What a job transcribes to (set with AssemblyAISim.script)."""

    utterances: list[UtteranceSpec] | None = None
    error: str | None = None
    processing_seconds: float | None = None
    never_complete: bool = False
    language_code: str | None = None


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


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


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
    return {
        "id": job.id,
        "resource_url": f"{base_url}/v2/transcript/{job.id}",
        "status": status,
        "created": job.created_iso,
        "completed": job.created_iso if status in ("completed", "error") else None,
        "audio_url": job.request["audio_url"],
        "error": job.script.error if status == "error" else None,
    }


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
        speech_model_used=models[0] if models else DEFAULT_SPEECH_MODEL,
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
    )
    if status == "completed":
        if job.result is None:
            utterances = job.script.utterances
            spec = sample_utterances() if utterances is None else utterances
            job.result = result_fields(spec, bool(req.get("speaker_labels")))
        body.update(job.result)
    if job.deleted:
        body.update(text="Deleted by user.", words=None, utterances=None)
    return body
