"""What map-reduce does between its calls: the parts' replies (partials) folded for the reduce.

Pure: no I/O. The reduce rewrites only the TL;DR and topics (brief); action items and decisions
are merged here in code, in order, each once, so no item is lost to a rewrite; partials too
long for one reduce call are grouped and reduced again.
"""

from __future__ import annotations

import json
import re

from bot.core.chunking import estimate_tokens


def brief(partial: dict) -> dict:
    """What the reduce rewrites: a part's tldr and topics."""
    return {"tldr": partial.get("tldr") or "", "topics": partial.get("topics") or []}


def merged_items(partials: list[dict], field: str) -> list[dict]:
    """Every part's action items (or decisions) in order, each once (same words, same item)."""
    kept: dict[str, dict] = {}
    for partial in partials:
        for item in partial.get(field) or []:
            if isinstance(item, dict):
                key = " ".join(re.findall(r"\w+", str(item.get("text") or "").lower()))
                kept.setdefault(key or str(len(kept)), item)
    return list(kept.values())


def grouped(partials: list[dict], budget: int) -> list[list[dict]]:
    """Partials in order, as few groups as fit `budget` tokens each: one reduce call a group."""
    groups: list[list[dict]] = [[]]
    for partial in partials:
        if groups[-1] and estimate_tokens(json.dumps(groups[-1] + [partial])) > budget:
            groups.append([])
        groups[-1].append(partial)
    return groups
