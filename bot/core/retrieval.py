"""Retrieval over transcripts: the passages a question needs, from anywhere in a recording.

Pure: no I/O; the store runs the full-text query (SQLite FTS5 with BM25) that `fts_query`
builds. A transcript is indexed as overlapping windows of utterances, so a passage keeps its
speakers and its [mm:ss]; a question gets the best windows that fit one LLM call's budget, put
back in the order they were said. Questions that need everything ("list all action items")
are answered from the stored recap's items instead of a sample.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.chunking import estimate_tokens
from bot.core.transcript import Utterance, utterance_line

WINDOW = 6  # utterances per passage
OVERLAP = 2  # utterances shared with the next passage, so no answer falls between two
MAX_TERMS = 24
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(
    "a an the and or but of to in on at for by with from about as is are was were be been do does "
    "did what who whom whose when where why how which that this these those it its there their "
    "they we you i me my our your he she him her his hers them us can could should would will "
    "any anything tell say said says please recap".split()
)
_EVERYTHING = re.compile(
    r"\b(?:all|every|each|list)\b.{0,40}?\b(?:action items?|tasks?|to-?dos?|decisions?|"
    r"follow-?ups?)\b|\bwhat (?:were|are) the (?:action items|decisions)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Passage:
    """One window of a transcript, as indexed and as shown to the LLM."""

    transcript_id: str
    start_ms: int
    speakers: tuple[str, ...]
    text: str  # `[mm:ss] Speaker A: ...` lines


def passages(transcript_id: str, utterances: Sequence[Utterance]) -> list[Passage]:
    """Overlapping windows of utterances: what the index holds for one transcript."""
    step = WINDOW - OVERLAP
    out = []
    for start in range(0, max(len(utterances) - OVERLAP, 1), step):
        window = utterances[start:start + WINDOW]
        if not window:
            break
        speakers = tuple(dict.fromkeys(u.speaker for u in window))
        out.append(Passage(transcript_id, window[0].start_ms, speakers,
                           "\n".join(utterance_line(u) for u in window)))
    return out


def terms(question: str) -> list[str]:
    """The question's words that can match: no stop words, no FTS5 syntax, at most MAX_TERMS."""
    words = [w.lower() for w in _WORD.findall(question[:4000])]
    kept = [w for w in dict.fromkeys(words) if w not in _STOP and (len(w) > 1 or w.isdigit())]
    return kept[:MAX_TERMS]


def fts_query(question: str) -> str | None:
    """An FTS5 MATCH expression any of whose words may match, each quoted so that quotes,
    NEAR, *, - or AND/OR in a question are words, never syntax. None: nothing to look for."""
    words = terms(question)
    return " OR ".join(f'"{w}"' for w in words) if words else None


def needs_everything(question: str) -> bool:
    """"List all action items", "what were the decisions": the recap's items, not a sample."""
    return bool(_EVERYTHING.search(question[:2000]))


def within_budget(ranked: Iterable[Passage], budget_tokens: int) -> list[Passage]:
    """The best passages (ranked best first) that fit the budget, in the order they were said."""
    chosen: list[Passage] = []
    used = 0
    for passage in ranked:
        cost = estimate_tokens(passage.text) + 2
        if used + cost > budget_tokens:
            continue
        chosen.append(passage)
        used += cost
    return sorted(chosen, key=lambda p: (p.transcript_id, p.start_ms))


def context_text(chosen: Sequence[Passage], topics_map: str = "") -> str:
    """What the LLM reads: the meeting's map (the recap's topics), then the passages."""
    parts = [f"Topics of the whole recording (a map):\n{topics_map}"] if topics_map else []
    parts += [p.text for p in chosen]
    return "\n…\n".join(parts)
