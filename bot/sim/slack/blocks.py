"""Block Kit as Slack checks it: what a `blocks` array would be refused for, and its plain text.

slack_sdk.models parses each block (it knows `context_actions` and `feedback_buttons`), but it
does not check a feedback button's own fields, so those follow docs.slack.dev "Feedback buttons
element" and "Context actions block" here: feedback_buttons only inside context_actions, at
most 5 elements there (feedback_buttons or icon_button), each button a plain_text `text` of at
most 75 characters, a `value` of at most 2000, an optional `accessibility_label` of at most 75.
A workspace that lacks a block type refuses it (`refused`), for the app's fallback tests.

May import: the standard library, slack_sdk.models and bot.sim.slack.wire.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from slack_sdk.models.blocks import Block

from bot.sim.slack.wire import MAX_BLOCKS


def check_blocks(blocks: Any, *, max_blocks: int = MAX_BLOCKS,
                 refused: Collection[str] = ()) -> list[str]:
    """What Slack would reject in a `blocks` array (API-NOTES §3.6); empty when fine.

    `max_blocks` is 100 in modals; `refused` names block types this workspace does not know.
    """
    if not isinstance(blocks, list):
        return ["blocks must be a JSON array"]
    problems = [f"{len(blocks)} blocks, over {max_blocks}"] if len(blocks) > max_blocks else []
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            problems.append(f"block {i} is not an object")
            continue
        where = f"block {i} ({block.get('type')})"
        if block.get("type") in refused:
            problems.append(f"{where}: unsupported block type")
            continue
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
    elif kind == "context_actions":
        yield from _context_actions_problems(block.get("elements"))
    for element in _elements(block) if kind != "context_actions" else ():
        if element.get("type") == "feedback_buttons":
            yield "feedback_buttons only in a context_actions block"


def _elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for element in [*(block.get("elements") or []), block.get("accessory"), block.get("element")]:
        if isinstance(element, dict):
            yield element


def _context_actions_problems(elements: Any) -> Iterator[str]:
    if not isinstance(elements, list) or not 1 <= len(elements) <= 5:
        yield "elements must hold 1 to 5 items"
        return
    for j, element in enumerate(elements):
        kind = element.get("type") if isinstance(element, dict) else None
        if kind not in ("feedback_buttons", "icon_button"):
            yield f"element {j} ({kind}) is not feedback_buttons or icon_button"
        elif kind == "feedback_buttons":
            assert isinstance(element, dict)
            for side in ("positive_button", "negative_button"):
                yield from (f"element {j} {side}: {p}" for p in _feedback_button(element.get(side)))
            if len(str(element.get("action_id") or "")) > 255:
                yield f"element {j}: action_id over 255 chars"


def _feedback_button(button: Any) -> Iterator[str]:
    if not isinstance(button, dict):
        yield "missing"
        return
    text = button.get("text")
    if not isinstance(text, dict) or text.get("type") != "plain_text":
        yield "text must be a plain_text object"
    else:
        yield from _length(str(text.get("text") or ""), "text", 75)
    if not isinstance(button.get("value"), str):
        yield "value is required"
    else:
        yield from _length(button["value"], "value", 2000)
    if len(str(button.get("accessibility_label") or "")) > 75:
        yield "accessibility_label over 75 chars"


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

