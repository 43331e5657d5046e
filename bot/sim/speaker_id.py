"""Speaker Identification the way AssemblyAI's Speech Understanding does it, for the simulators.

The real feature infers names or roles from what is said; the simulator replaces that guess with
a rule a test can rely on: a scripted transcript knows each diarized speaker's true identity
(`names={"A": "Priya Shah"}`), and identification names a speaker only when that identity is
among the request's `known_values` (or `speakers[].name` / `.role`), compared case- and
accent-insensitively. Everyone else keeps their letter. The reply spells a name as the request
did, since the real model picks from the values it was given.

Wire shapes, from AssemblyAI's docs and a live run:
- request: `speech_understanding: {"request": {"speaker_identification": {"speaker_type":
  "name"|"role", "known_values": [...]}}}` beside `speaker_labels: true`, or
  `{"transcript_id", "speech_understanding"}` on the LLM Gateway's `POST /v1/understanding`
  (openapi.yml `SpeakerIdentificationRequestBody`; llm-gateway.yml `UnderstandingRequest`;
  fern/pages/speech-understanding/speech-understanding.mdx: values of at most 35 characters,
  `known_values` required for "role").
- response: `speech_understanding.response.speaker_identification = {"mapping": {"A": name},
  "effort": "low", "status": "success"}`, and every utterance's and word's `speaker` relabelled
  (live smoke test 10c, A4/A5). Without `speaker_labels` the create is refused with 400
  `{"error": "speaker_labels or multichannel required"}` (10c, A2). The other refusal texts
  below are the simulator's own wording: the vendor's were not found.

Pure functions, each linear in the size of its input. May import: the standard library only.
"""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

__all__ = [
    "MAX_VALUE_CHARS",
    "NEEDS_DIARIZATION",
    "candidates",
    "config_of",
    "fold",
    "identify",
    "problem_with",
    "relabel",
    "response_block",
]

MAX_VALUE_CHARS = 35
NEEDS_DIARIZATION = "speaker_labels or multichannel required"
SPEAKER_TYPES = ("name", "role")


def fold(text: str) -> str:
    """`text` without case, accents or repeated spaces: "  JOSÉ  garcía" -> "jose garcia"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def config_of(speech_understanding: Any) -> dict[str, Any] | None:
    """The `speaker_identification` object of a `speech_understanding` field, if it asks for one."""
    if not isinstance(speech_understanding, dict):
        return None
    request = speech_understanding.get("request")
    if not isinstance(request, dict) or "speaker_identification" not in request:
        return None
    config = request["speaker_identification"]
    return config if isinstance(config, dict) else {"speaker_type": None}


def problem_with(config: dict[str, Any]) -> str | None:
    """Why a speaker_identification request is refused, or None when it is valid."""
    kind = config.get("speaker_type")
    if kind not in SPEAKER_TYPES:
        return 'speaker_identification.speaker_type must be one of "name" or "role"'
    values = config.get("known_values")
    speakers = config.get("speakers")
    if values is not None and (
        not isinstance(values, list) or not all(isinstance(v, str) for v in values)
    ):
        return "speaker_identification.known_values must be a list of strings"
    if speakers is not None and (
        not isinstance(speakers, list) or not all(isinstance(s, dict) for s in speakers)
    ):
        return "speaker_identification.speakers must be a list of objects"
    if kind == "role" and not values and not speakers:
        return "speaker_identification.known_values is required when speaker_type is role"
    if any(len(v) > MAX_VALUE_CHARS for v in candidates(config)):
        return f"speaker_identification values must be {MAX_VALUE_CHARS} characters or less"
    return None


def candidates(config: dict[str, Any]) -> list[str]:
    """The names (or roles) a request offers, from `known_values` and `speakers[]`."""
    key = "role" if config.get("speaker_type") == "role" else "name"
    values = [v for v in config.get("known_values") or [] if isinstance(v, str)]
    for speaker in config.get("speakers") or []:
        if isinstance(speaker, dict) and isinstance(speaker.get(key), str):
            values.append(speaker[key])
    return values


def identify(labels: list[str], names: dict[str, str], config: dict[str, Any]) -> dict[str, str]:
    """{label: offered value} for each speaker whose true identity the request offered."""
    offered: dict[str, str] = {}
    for value in candidates(config):
        offered.setdefault(fold(value), value)
    mapping: dict[str, str] = {}
    for label in labels:
        truth = names.get(label)
        if truth is not None and label not in mapping and fold(truth) in offered:
            mapping[label] = offered[fold(truth)]
    return mapping


def relabel(items: list[dict[str, Any]] | None, mapping: dict[str, str]) -> Any:
    """Utterances (with their words) or words, with every mapped `speaker` renamed (copies)."""
    if items is None:
        return None
    renamed = copy.deepcopy(items)
    for item in renamed:
        for part in (item, *(item.get("words") or [])):
            label = part.get("speaker")
            if isinstance(label, str) and label in mapping:
                part["speaker"] = mapping[label]
    return renamed


def response_block(request: dict[str, Any], mapping: dict[str, str],
                   status: str = "success") -> dict[str, Any]:
    """`speech_understanding` as a finished transcript or /v1/understanding reports it."""
    result = {"mapping": mapping, "effort": "low", "status": status}
    return {"request": request, "response": {"speaker_identification": result}}
