"""The transcript model every other module speaks: speaker-labelled utterances in ms.

Pure: imports nothing but the standard library's data tools.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

# AssemblyAI's diarization labels ("A", "B", ... "AA") and numbered speakers; names stay names.
_DIARIZED = re.compile(r"[A-Z]{1,2}|\d{1,2}")


@dataclass(frozen=True)
class Utterance:
    """One speaker turn. `speaker` is AssemblyAI's label ("A", "B", ...) or a name from a file."""

    speaker: str
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Transcript:
    """A finished transcript, as cached locally (so AssemblyAI may forget it)."""

    id: str
    utterances: tuple[Utterance, ...]
    language: str = "en"
    duration_ms: int = 0
    speech_model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def speakers(self) -> list[str]:
        """Speaker labels in order of first appearance."""
        seen: dict[str, None] = {}
        for u in self.utterances:
            seen.setdefault(u.speaker, None)
        return list(seen)

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "language": self.language,
            "duration_ms": self.duration_ms,
            "speech_model": self.speech_model,
            "utterances": [asdict(u) for u in self.utterances],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            id=str(data["id"]),
            utterances=tuple(Utterance(**u) for u in data.get("utterances") or []),
            language=data.get("language") or "en",
            duration_ms=int(data.get("duration_ms") or 0),
            speech_model=data.get("speech_model"),
        )


def format_timestamp(ms: int) -> str:
    """[m]m:ss below an hour, h:mm:ss above: what people read in a recap."""
    total = max(0, int(ms)) // 1000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def parse_timestamp(text: str) -> int | None:
    """Inverse of format_timestamp; also takes "[12:34]" and "1:02:03.500". None if unreadable."""
    cleaned = text.strip().strip("[]").strip()
    if not cleaned:
        return None
    parts = cleaned.replace(",", ".").split(":")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    # "NaN", "inf" and "1e999" parse as floats but are no time.
    if len(numbers) > 3 or not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    seconds = 0.0
    for n in numbers:
        seconds = seconds * 60 + n
    return int(round(seconds * 1000))


def utterance_line(u: Utterance) -> str:
    """The line format the LLM reads and cites: `[12:34] Speaker A: text`."""
    label = f"Speaker {u.speaker}" if _DIARIZED.fullmatch(u.speaker) else u.speaker
    return f"[{format_timestamp(u.start_ms)}] {label}: {u.text}"
