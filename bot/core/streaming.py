"""Streamed answers, the pure parts: reading an SSE chat stream, and cutting a growing answer
into pieces that are safe to show before the whole answer exists.

Pure: standard library only. Each piece ends where a word ends, so whatever is done to a whole
answer (links the transcript lacks taken out, &<> escaped, "](" broken; bot.core.links,
render.answer_blocks) can be done to each piece with the same result: a URL, an @here or a
`<!channel>` never straddles two pieces. Whitespace is held back with the word after it, so the
pieces join to exactly the stripped answer.

How often a piece goes out mirrors slack_sdk's chat_stream() helper (slack_sdk/web/
async_chat_stream.py: `buffer_size`, 256 characters by default): the first words at once, then
every `every` characters, so a long answer costs a few chat.appendStream calls, not one a token.

The stream format is OpenAI's (platform.openai.com/docs/api-reference/chat-streaming): lines
`data: {chunk}`, `choices[0].delta.content` the next text, a `finish_reason` at the end, an
optional usage-only chunk (`choices: []`), and `data: [DONE]`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.block_kit import escape_mrkdwn

DONE = "[DONE]"
EVERY = 256  # slack_sdk chat_stream()'s default buffer_size


def markdown_piece(text: str) -> str:
    """A piece of an answer as render.answer_blocks shows the whole: &<> as entities (no
    <!channel>, <@U…> or <url|label>), "](" "][" "]:" broken so no label hides a link."""
    text = escape_mrkdwn(text)
    for markup in ("](", "][", "]:"):
        text = text.replace(markup, f"{markup[0]}\u200b{markup[1]}")
    return text


def sse_data(line: str) -> str | None:
    """The data of one server-sent-events line (`data: x` -> `x`); None for any other line."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


@dataclass
class Chunk:
    """What one `data: {...}` chunk of a chat stream says."""

    text: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    error: str | None = None


def read_chunk(data: str) -> Chunk:
    """One chunk's text, finish_reason, usage or error (an unreadable chunk is an error)."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return Chunk(error="an unreadable stream chunk")
    if not isinstance(parsed, dict):
        return Chunk(error="an unreadable stream chunk")
    if parsed.get("error"):
        error = parsed["error"]
        return Chunk(error=str(error.get("message") if isinstance(error, dict) else error)[:200])
    usage = parsed.get("usage") if isinstance(parsed.get("usage"), dict) else None
    choices = parsed.get("choices") or []
    choice = choices[0] if isinstance(choices, list) and choices else {}
    delta = choice.get("delta") if isinstance(choice, dict) else None
    content = delta.get("content") if isinstance(delta, dict) else None
    if isinstance(content, list):  # [{"type": "text", "text": ...}]
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    reason = choice.get("finish_reason") if isinstance(choice, dict) else None
    return Chunk(str(content or ""), str(reason) if reason else None, usage)


@dataclass
class Pieces:
    """A growing answer cut into shown pieces: `add` each delta, then `rest` at the end.

    `render` turns raw text into what is shown (it must work word by word: escaping, link
    checks). `first` is how many characters the first piece needs (a word is enough), `every`
    how many each later one gathers, unless `interval` seconds (0: never) have passed since the
    last piece (a slow model's words still show); `limit` caps the shown text (the rest is
    `cut`). Each character is looked at once when it arrives and joined at most twice: linear in
    the answer.
    """

    render: Callable[[str], str] = str
    first: int = 1
    every: int = EVERY
    limit: int = 1_000_000
    interval: float = 0.0
    shown: int = 0  # characters of rendered text handed out so far
    cut: bool = False  # the answer ran past `limit`
    started: bool = False
    _held: list[str] = field(default_factory=list)
    _held_len: int = 0
    _safe: int = 0  # held[:_safe] ends where a word ends and another has begun
    _space_at: int = -1  # where the whitespace run now at the end began (-1: none)
    _last: float = 0.0  # when the last piece went out (`now` as the caller counts time)

    def add(self, delta: str, now: float = 0.0) -> str:
        """The rendered text to send now ("" while gathering); `now` for `interval`."""
        if not self.started and not self._held_len:
            delta = delta.lstrip()
        if not delta or self.cut:
            return ""
        at = self._held_len
        for i, char in enumerate(delta, at):
            if char.isspace():
                if self._space_at < 0:
                    self._space_at = i
            elif self._space_at >= 0:
                self._safe, self._space_at = self._space_at, -1
        self._held.append(delta)
        self._held_len += len(delta)
        need = self.first if not self.started else self.every
        if self.started and self.interval and now - self._last >= self.interval:
            need = 1
        if self._safe < max(need, 1):
            return ""
        self._last = now
        held = "".join(self._held)
        safe = self._safe
        self._held, self._held_len = [held[safe:]], len(held) - safe
        self._space_at = self._space_at - safe if self._space_at >= 0 else -1
        self._safe = 0
        return self._out(held[:safe])

    def rest(self) -> str:
        """Everything still held, rendered, without trailing whitespace."""
        held = "".join(self._held).rstrip()
        self._held, self._held_len, self._safe, self._space_at = [], 0, 0, -1
        return self._out(held) if held and not self.cut else ""

    def _out(self, raw: str) -> str:
        text = self.render(raw)
        self.started = True
        if self.shown + len(text) > self.limit:
            self.cut = True
            text = _before_word(text, self.limit - self.shown)
        self.shown += len(text)
        return text


def _before_word(text: str, room: int) -> str:
    """At most `room` characters of `text`, cut before a word, never inside an &entity;."""
    if room <= 0:
        return ""
    cut = text[:room]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    cut = cut[:space] if space >= 0 and len(text) > room else cut
    amp = cut.rfind("&", max(0, len(cut) - 6))
    return cut[:amp] if amp >= 0 and ";" not in cut[amp:] else cut
