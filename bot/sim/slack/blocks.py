"""Block Kit as Slack checks it: what a `blocks` array would be refused for, and its plain text.

May import: the standard library and slack_sdk.models; nothing from bot.*.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block

from bot.sim.slack.wire import MAX_BLOCKS


def check_blocks(blocks: Any) -> list[str]:
    """What Slack would reject in a `blocks` array (API-NOTES §3.6); empty when fine."""
    if not isinstance(blocks, list):
        return ["blocks must be a JSON array"]
    problems = [f"{len(blocks)} blocks, over {MAX_BLOCKS}"] if len(blocks) > MAX_BLOCKS else []
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            problems.append(f"block {i} is not an object")
            continue
        where = f"block {i} ({block.get('type')})"
        found = [f"{where}: {p}" for p in _limit_problems(block)]
        if not found:
            found = [f"{where}: {p}" for p in _parse_problems(block)]
        if (bid := block.get("block_id")) is not None:
            if bid in block_ids:
                found.append(f"{where}: duplicate block_id {bid!r}")
            block_ids.add(bid)
        problems += found
    return problems


def _limit_problems(block: dict[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    if kind == "section":
        text = block.get("text")
        if text is not None and not isinstance(text, dict):
            yield "text must be a text object"
        elif isinstance(text, dict):
            yield from _length(str(text.get("text") or ""), "text", 3000)
        fields = block.get("fields") or []
        if len(fields) > 10:
            yield f"{len(fields)} fields, over 10"
        for f in fields:
            text = str(f.get("text") or "") if isinstance(f, dict) else ""
            yield from _length(text, "field", 2000)
    elif kind == "header":
        yield from _length(str((block.get("text") or {}).get("text") or ""), "text", 150)
    elif kind == "markdown":
        yield from _length(str(block.get("text") or ""), "text", 12_000)
    elif kind in ("context", "actions"):
        limit = 10 if kind == "context" else 25
        if len(block.get("elements") or []) > limit:
            yield f"{len(block['elements'])} elements, over {limit}"


def _length(text: str, what: str, limit: int) -> Iterator[str]:
    if not text:
        yield f"{what} is empty"
    elif len(text) > limit:
        yield f"{what} is {len(text)} chars, over {limit}"


def _parse_problems(block: dict[str, Any]) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return ["unknown block type"]
        parsed.validate_json()
    except Exception as e:  # slack_sdk raises several kinds for malformed input
        return [f"does not parse: {e}"]
    return []



def blocks_text(blocks: list[dict[str, Any]]) -> str:
    """The readable text of blocks, for the demo's channel view."""
    parts: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        elif isinstance(text, str):
            parts.append(text)
        for element in block.get("elements") or []:
            if block.get("type") == "context" and isinstance(element, dict):
                parts.append(str(element.get("text", "")))
    return "\n".join(p for p in parts if p)

