"""The recap object (DESIGN.md's contract): what `--json` prints and what the cache stores.

Pure: no I/O. Parsing what the LLM returns into these classes is bot.core.parse.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


def new_usage() -> dict[str, int]:
    """What a run of LLM calls cost; add_usage counts each reply into it."""
    return {"calls": 0, "input_tokens": 0, "output_tokens": 0}


def add_usage(usage: dict[str, int], input_tokens: int, output_tokens: int) -> None:
    usage["calls"] += 1
    usage["input_tokens"] += input_tokens
    usage["output_tokens"] += output_tokens


@dataclass
class Topic:
    title: str
    summary: str
    start_ms: int
    speakers: list[str] = field(default_factory=list)


@dataclass
class ActionItem:
    text: str
    owner: str | None = None
    due: str | None = None
    start_ms: int | None = None
    quote: str | None = None


@dataclass
class Evidence:
    start_ms: int
    quote: str


@dataclass
class Recap:
    """What `--json` prints and what the cache stores. `text` is always the whole recap."""

    transcript_id: str
    style: str
    tldr: str = ""
    topics: list[Topic] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    decision_evidence: list[Evidence] = field(default_factory=list)
    text: str = ""
    cached_transcript: bool = False
    duration_ms: int = 0
    language: str = "en"
    instructions: str = ""
    model: str = ""
    covered_ms: int = 0
    chunks: int = 1
    usage: dict[str, int] = field(default_factory=dict)
    grounding: dict[str, int] | None = None
    judge: dict[str, Any] | None = None
    # [{label, name, talk_ms, share, questions}]: from the utterances (bot.core.speakers)
    speakers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recap:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["topics"] = [Topic(**t) for t in data.get("topics") or []]
        known["action_items"] = [ActionItem(**a) for a in data.get("action_items") or []]
        known["decision_evidence"] = [Evidence(**e) for e in data.get("decision_evidence") or []]
        return cls(**known)

