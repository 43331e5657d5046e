"""What AssemblyAI's transcript answers say: one look at a job, a completed transcript, a refusal.

Read as plain JSON, not through the SDK's models (bot.edges.transcriber fetches the body and
says why); completed transcripts leave as bot.core.transcript.Transcript, and what the SDK
raises becomes a bot.errors sentence. Pure but for one log line, so the transcriber keeps only
the talking.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import assemblyai as aai
import httpx

from bot.core.identification import identification_result, restore_labels
from bot.core.transcript import Transcript, Utterance
from bot.errors import ConfigError, TranscriptionFailed

# The transcriber's logger: these lines were always logged under its name.
log = logging.getLogger("bot.edges.transcriber")


@dataclass(frozen=True)
class Status:
    """One look at a transcript: queued | processing | completed | error."""

    status: str
    error: str | None
    transcript: Transcript | None
    audio_duration_ms: int | None


def status_from_json(data: dict[str, Any]) -> Status:
    """A transcript's JSON (GET /v2/transcript/{id}) as one look; completed ones converted."""
    status = str(data.get("status") or "")
    duration = data.get("audio_duration")
    return Status(
        status=status,
        error=data.get("error"),
        transcript=transcript_from_json(data) if status == "completed" else None,
        audio_duration_ms=int(duration * 1000) if duration else None,
    )


def transcript_from_json(data: dict[str, Any]) -> Transcript:
    """A completed transcript's JSON as our Transcript; only the fields Recap reads.

    Speaker Identification's names are taken back out of the utterances (bot.core.
    identification): the Transcript keeps AssemblyAI's letters, and `extra["identified"]`
    carries {label: name} for the caller to store beside it.
    """
    status, _ = identification_result(data.get("speech_understanding"))
    if status is not None and status != "success":
        log.info("speaker identification of %s ended %r: no names", data.get("id"), status)
    data, identified = restore_labels(data)
    duration_ms = int((data.get("audio_duration") or 0) * 1000)
    utterances = tuple(
        Utterance(speaker=str(u["speaker"]), start_ms=int(u["start"]), end_ms=int(u["end"]),
                  text=str(u["text"]))
        for u in data.get("utterances") or ()
    )
    if not utterances and data.get("text"):  # diarization off or nothing to split: one turn
        utterances = (Utterance("A", 0, duration_ms, str(data["text"])),)
    return Transcript(
        id=str(data["id"]),
        utterances=utterances,
        language=str(data.get("language_code") or "en"),
        duration_ms=duration_ms,
        speech_model=data.get("speech_model_used"),
        extra={"identified": identified} if identified else {},
    )


def error_text(response: httpx.Response) -> str:
    """The `error` field of a JSON error body, else the body itself (as the SDK words it)."""
    try:
        return str(response.json()["error"])
    except (ValueError, KeyError, TypeError):
        return response.text[:300]


def reason(error: aai.types.AssemblyAIError) -> str:
    """The server's words, without the SDK's "failed to ... <id>:" prefix."""
    text = str(error)
    return text.split(": ", 1)[1].strip() if ": " in text else text


def rejected(error: aai.types.AssemblyAIError) -> Exception:
    """An SDK error no retry cured, as the bot.errors sentence the person sees."""
    words = reason(error)
    if error.status_code == 401:
        return ConfigError("AssemblyAI rejected ASSEMBLYAI_API_KEY.")
    if error.status_code == 403:
        return ConfigError(
            f"AssemblyAI refused access ({words}): the uploaded file belongs to another "
            "project, so ASSEMBLYAI_API_KEY must be the key of the project that uploaded it."
        )
    return TranscriptionFailed(f"AssemblyAI could not transcribe this recording: {words}")
