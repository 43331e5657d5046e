"""Parsing what the LLM returns into a Recap, and the way back (a Recap in the LLM's schema).

The reply is untrusted data: every field is checked, capped or dropped. extract_json finds the
JSON object in a reply wrapped in prose or fences (repairing one cut off by max_tokens);
recap_from_llm keeps the well-formed items of INTERFACES.md's schema; llm_dict writes a recap
back in that schema (for <partials>); merge_usage sums the replies' token counts.

Pure: no I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import json_repair

from bot.core.markdown import recap_markdown
from bot.core.prompts import RECAP_FIELDS, find_style
from bot.core.recap import ActionItem, Evidence, Recap, Topic
from bot.core.transcript import format_timestamp, parse_timestamp

MAX_ITEMS = 100
_CAPS = {"tldr": 1500, "title": 150, "summary": 1500, "text": 400, "name": 80, "quote": 400}
_NO_VALUE = {"", "-", "?", "none", "null", "n/a", "na", "unknown", "unassigned", "tbd", "nobody"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPEAKER_PREFIX = re.compile(r"^speaker\s+", re.IGNORECASE)


def extract_json(text: str) -> dict[str, Any]:
    """The JSON object in a reply that may wrap it in prose or ``` fences.

    Tries the whole reply, then each outermost {...} block as it is, then one json_repair
    pass over the outermost blocks, longest first (models cut off by max_tokens leave unclosed
    objects). An object nested inside a broken one is never returned on its own: a broken
    recap's first topic is not a recap. Raises ValueError when there is no object.
    """
    stripped = text.strip()
    try:
        whole = json.loads(stripped)
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        return whole
    decoder = json.JSONDecoder()
    broken: list[tuple[int, int]] = []
    for start, end in _outermost_blocks(stripped):
        try:
            found, _ = decoder.raw_decode(stripped, start)
        except ValueError:
            broken.append((start, end))
            continue
        if isinstance(found, dict):
            return found
    for start, end in sorted(broken, key=lambda span: span[0] - span[1]):
        block = stripped[start:end].strip().removesuffix("```")
        repaired = json_repair.loads(block)
        if isinstance(repaired, dict) and repaired:
            return repaired
    raise ValueError("the model's reply holds no JSON object")


def _outermost_blocks(text: str, limit: int = 20) -> list[tuple[int, int]]:
    """(start, end) of each top-level {...} block, braces inside JSON strings ignored.

    A block never closed runs to the end of the text (a reply cut off mid-object).
    """
    blocks: list[tuple[int, int]] = []
    depth, start, in_string, escaped = 0, 0, False, False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"' and depth:
            in_string = True
        elif char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                blocks.append((start, i + 1))
                if len(blocks) == limit:
                    return blocks
    if depth:
        blocks.append((start, len(text)))
    return blocks


def recap_from_llm(data: dict[str, Any], *, transcript_id: str, style: str, duration_ms: int,
                   speakers: Sequence[str] = ()) -> Recap:
    """A Recap from the LLM-facing schema (INTERFACES.md), keeping only well-formed items.

    Times "mm:ss"/"h:mm:ss" become ms clamped into the recording; "Speaker A" becomes "A";
    with `speakers` given, topic speakers not among them are dropped. Fields the style does
    not use are emptied, so the JSON and the text always agree. `text` is rendered here.
    """
    if not any(k in data for k in RECAP_FIELDS) and len(data) == 1:
        inner = next(iter(data.values()))
        data = inner if isinstance(inner, dict) else data
    known = {s.casefold(): s for s in speakers}
    chosen = find_style(style)
    sections = chosen.sections if chosen else RECAP_FIELDS

    def when(value: Any) -> int | None:
        return _start_ms(value, duration_ms)

    topics: list[Topic] = []
    for raw in _items(data.get("topics"), "title"):
        title, summary = _clean(raw.get("title"), "title"), _clean(raw.get("summary"), "summary")
        if not (title or summary):
            continue
        start = when(raw.get("start"))
        start = start if start is not None else (topics[-1].start_ms if topics else 0)
        names = [_speaker(s, known) for s in _as_list(raw.get("speakers"))]
        kept = list(dict.fromkeys(n for n in names if n))
        topics.append(Topic(title or _clean(summary, "name"), summary, start, kept))
    topics.sort(key=lambda t: t.start_ms)

    actions: dict[str, ActionItem] = {}
    for raw in _items(data.get("action_items"), "text"):
        text = _clean(raw.get("text"), "text")
        if text and text.casefold() not in actions:
            actions[text.casefold()] = ActionItem(
                text, _owner(raw.get("owner"), known), _nullable(raw.get("due")),
                when(raw.get("start")), _clean(raw.get("quote"), "quote") or None)

    decisions: dict[str, tuple[str, Evidence]] = {}
    for raw in _items(data.get("decisions"), "text"):
        text = _clean(raw.get("text"), "text")
        if text and text.casefold() not in decisions:
            quote = _clean(raw.get("quote"), "quote")
            decisions[text.casefold()] = (text, Evidence(when(raw.get("start")) or 0, quote))
    chosen_decisions = list(decisions.values())[:MAX_ITEMS] if "decisions" in sections else []

    recap = Recap(
        transcript_id=transcript_id, style=chosen.name if chosen else style,
        tldr=_clean(data.get("tldr"), "tldr") if "tldr" in sections else "",
        topics=topics[:MAX_ITEMS] if "topics" in sections else [],
        action_items=list(actions.values())[:MAX_ITEMS] if "action_items" in sections else [],
        decisions=[text for text, _ in chosen_decisions],
        decision_evidence=[evidence for _, evidence in chosen_decisions],
        duration_ms=duration_ms, covered_ms=duration_ms,
    )
    recap.text = recap_markdown(recap)
    return recap


def llm_dict(recap: Recap) -> dict[str, Any]:
    """The inverse of recap_from_llm: a recap in the LLM-facing schema (for <partials>)."""
    evidence = recap.decision_evidence + [Evidence(0, "")] * len(recap.decisions)
    return {
        "tldr": recap.tldr,
        "topics": [{"title": t.title, "summary": t.summary, "start": format_timestamp(t.start_ms),
                    "speakers": t.speakers} for t in recap.topics],
        "action_items": [{"text": a.text, "owner": a.owner, "due": a.due,
                          "start": format_timestamp(a.start_ms or 0), "quote": a.quote or ""}
                         for a in recap.action_items],
        "decisions": [{"text": d, "start": format_timestamp(e.start_ms), "quote": e.quote}
                      for d, e in zip(recap.decisions, evidence, strict=False)],
    }


def merge_usage(*usages: Mapping[str, Any] | None) -> dict[str, int]:
    """Sum the `usage` objects of several LLM replies (prompt_tokens, completion_tokens, ...)."""
    total: dict[str, int] = {}
    for usage in usages:
        for key, value in (usage or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total


def _clean(value: Any, kind: str) -> str:
    """One line of text: whitespace collapsed, control characters gone, capped at a word."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    text = _CONTROL.sub("", " ".join(str(value).split()))
    limit = _CAPS[kind]
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut) + "…"


def _items(value: Any, text_key: str) -> list[dict[str, Any]]:
    """The dicts of a list; a bare string counts as an item with only its text."""
    out = []
    for item in _as_list(value)[: MAX_ITEMS * 2]:
        if isinstance(item, str):
            item = {text_key: item}
        if isinstance(item, dict):
            out.append(item)
    return out


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, str | dict) else []


def _speaker(value: Any, known: Mapping[str, str]) -> str | None:
    """"Speaker A" -> "A"; with known labels, their spelling, and None for a stranger."""
    name = _SPEAKER_PREFIX.sub("", _clean(value, "name"))
    if not known:
        return name or None
    return known.get(name.casefold())


def _nullable(value: Any) -> str | None:
    """None for the ways models write "nobody" or "no date"."""
    text = _clean(value, "name")
    return None if text.casefold() in _NO_VALUE else text


def _owner(value: Any, known: Mapping[str, str]) -> str | None:
    """An owner as written, "Speaker A" -> "A"; whether it is real is grounding's call."""
    text = _nullable(value)
    if text is None:
        return None
    label = _SPEAKER_PREFIX.sub("", text) or text
    return known.get(label.casefold(), label)


def _start_ms(value: Any, duration_ms: int) -> int | None:
    """"12:34" / "1:02:03" / "[12:34]" / seconds as a number -> ms inside the recording."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        finite = math.isfinite(value) and 0 <= value < 1e12  # NaN, inf, 1e999: missing
        ms: int | None = int(value * 1000) if finite else None
    elif isinstance(value, str):
        ms = parse_timestamp(value)
    else:
        ms = None
    if ms is None:
        return None
    return min(ms, duration_ms) if duration_ms > 0 else ms
