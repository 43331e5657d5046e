"""The recap object (DESIGN.md's contract): what `--json` prints and what the cache stores.

Pure: no I/O. May import: the standard library, bot.core.parse (lazily, see below).
Parsing what the LLM returns lives in bot.core.parse; its names still import from here
(`from bot.core.recap import recap_from_llm`). The re-export is lazy because parse builds
these classes: importing it at the top would be a cycle.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.parse import MAX_ITEMS, extract_json, llm_dict, merge_usage, recap_from_llm

__all__ = ["MAX_ITEMS", "ActionItem", "Evidence", "Recap", "Topic", "extract_json", "llm_dict",
           "merge_usage", "recap_from_llm"]
_PARSING = {"MAX_ITEMS", "extract_json", "llm_dict", "merge_usage", "recap_from_llm"}


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recap:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["topics"] = [Topic(**t) for t in data.get("topics") or []]
        known["action_items"] = [ActionItem(**a) for a in data.get("action_items") or []]
        known["decision_evidence"] = [Evidence(**e) for e in data.get("decision_evidence") or []]
        return cls(**known)


def __getattr__(name: str) -> Any:
    """The parsing names, from bot.core.parse on first use."""
    if name in _PARSING:
        from bot.core import parse

        return getattr(parse, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
