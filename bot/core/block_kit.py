"""Block Kit building blocks: escaping text for mrkdwn, fitting it into Slack's limits, and the
section, context, button and plain_text shapes every message here is made of.

Safety lives here: all LLM text and every echoed name pass escape_mrkdwn on the way into
mrkdwn, and plain_text gets look-alike angle brackets, so nothing posted can ping or link.
bot.core.render builds the messages from these.

Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

Block = dict[str, Any]
FALLBACK_CHARS = 3000
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def escape_mrkdwn(text: str) -> str:
    """&, <, > as entities, so no text can become <!channel>, <@U…> or <url|label> markup.

    Bare @here/@channel/@everyone get a zero-width space too, in case a poster sets link_names.
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u200b\\1", escaped)


def fallback_text(text: str) -> str:
    """A message's top-level `text` (notifications, screen readers): escaped and short."""
    return fit(escape_mrkdwn(" ".join(text.split())), FALLBACK_CHARS)


def fit(text: str, limit: int) -> str:
    """At most `limit` chars: cut at a space when one is near the end, never inside an &entity;."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if space > limit * 0.6:
        cut = cut[:space]
    elif amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def plain(text: str, limit: int) -> dict[str, str]:
    """plain_text never renders markup, but look-alike brackets keep payloads free of it too."""
    cleaned = " ".join(text.split()).replace("<", "‹").replace(">", "›")
    cleaned = _BROADCAST.sub("@\u200b\\1", cleaned)
    return {"type": "plain_text", "text": fit(cleaned, limit)}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(t, 2000)}
                                            for t in texts[:10]]}


def button(label: str, action_id: str, value: str, **extra: Any) -> Block:
    return {"type": "button", "text": plain(label, 75), "action_id": action_id,
            "value": value, **extra}


def json_size(value: Block | str) -> int:
    """What a block (or a string) weighs in the message's JSON."""
    return len(json.dumps(value, ensure_ascii=False))


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` chars, cut at a line end or a space, never inside an &entity;."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= limit // 2:  # a line end too early wastes the section: take a space instead
            cut = max(cut, rest.rfind(" ", 0, limit + 1))
        if cut <= 0:
            cut = limit
            amp = rest.rfind("&", max(0, cut - 5), cut)
            if amp > 0 and rest.find(";", amp) >= cut:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def pack(entries: Sequence[str], limit: int, sep: str = "\n") -> list[str]:
    """Join entries with `sep` into chunks of at most `limit` chars; split only oversized ones."""
    chunks: list[str] = []
    current = ""
    for entry in entries:
        if current and len(current) + len(sep) + len(entry) <= limit:
            current += sep + entry
            continue
        if current:
            chunks.append(current)
        *whole, current = split_text(entry, limit)
        chunks += whole
    if current:
        chunks.append(current)
    return chunks
