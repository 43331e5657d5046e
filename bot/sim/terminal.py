"""Slack messages as terminal text: how `recap demo` shows a thread to a person.

Block Kit becomes indented lines (header, section and fields, context in small print, buttons as
`[ Brief ]` labels, dividers), and mrkdwn becomes what Slack would display: *bold* and _italic_
lose their markers (or turn into ANSI styles on a terminal), <url|label> links, <@U…> mentions
and :emoji: shortcodes read as words or symbols, and &lt; &gt; &amp; are decoded. Colour only
when the stream is a TTY; emoji only when the stream's encoding can carry them.
May import: the standard library only.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

BOLD, DIM, ITALIC, RED, GREEN, CYAN, RESET = (f"\x1b[{n}m" for n in (1, 2, 3, 31, 32, 36, 0))
_SGR = re.compile(r"\x1b\[[0-9;]*m")
EMOJI = {
    "hourglass_flowing_sand": "⏳", "white_check_mark": "✅", "x": "❌", "warning": "⚠",
    "wastebasket": "🗑", "studio_microphone": "🎙", "speech_balloon": "💬",
}
ASCII = str.maketrans({"•": "*", "◦": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...",
                       "═": "=", "─": "-", "└": "`", "—": "-", "·": "-", "‹": "<", "›": ">"})
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")


def visible_len(text: str) -> int:
    return len(_SGR.sub("", text))


def style(text: str, *codes: str) -> str:
    """`text` wrapped in ANSI codes (kept on after a styled span inside it); Terminal strips them
    again when colour is off."""
    if not codes or not text:
        return text
    on = "".join(codes)
    return on + text.replace(RESET, RESET + on) + RESET


def emoji(name: str, enabled: bool = True) -> str:
    """The symbol for a :shortcode: (or the shortcode itself when unknown or not enabled)."""
    return EMOJI[name] if enabled and name in EMOJI else f":{name}:"


def mrkdwn(text: str, names: Mapping[str, str] | None = None, *, emojis: bool = True) -> str:
    """Slack mrkdwn as displayed: links and mentions resolved, styles as ANSI, entities decoded."""
    names = names or {}

    def link(match: re.Match[str]) -> str:
        target, label = match[1], match[2]
        if target.startswith("@"):
            return "@" + names.get(target[1:], label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return f"{label} ({target})" if label and label != target else target

    text = _LINK.sub(link, text)
    text = _BOLD.sub(lambda m: style(m[1], BOLD), text)
    text = _ITALIC.sub(lambda m: style(m[1], ITALIC), text)
    text = _SHORTCODE.sub(lambda m: emoji(m[1], emojis) if m[1] in EMOJI else m[0], text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def blocks_lines(blocks: list[dict[str, Any]], convert: Callable[[str], str]) -> list[str]:
    """Each block as display lines (unwrapped), spaced as Slack spaces them: a blank line between
    blocks, except under the header, for an item's quote (indented under it) and between items."""
    lines: list[str] = []
    previous: dict[str, Any] = {}

    def text_of(obj: Any) -> str:
        if not isinstance(obj, dict):
            return str(obj or "")
        raw = str(obj.get("text") or "")
        return convert(raw) if obj.get("type") == "mrkdwn" else raw

    for block in blocks:
        kind, raw = block.get("type"), _raw_text(block)
        after_item = _raw_text(previous).split("\n")[-1].startswith("•")
        follows = (previous.get("type") == "header" or kind == "context" and after_item
                   or previous.get("type") == "context" and raw.startswith("•"))
        if lines and not follows:
            lines.append("")
        if kind == "header":
            title = text_of(block.get("text"))
            lines += [style(title, BOLD), "═" * min(len(title), 60)]
        elif kind == "section":
            lines += [*(text_of(block.get("text")).split("\n") if block.get("text") else [])]
            lines += [text_of(f) for f in block.get("fields") or []]
        elif kind == "markdown":
            lines += str(block.get("text") or "").split("\n")
        elif kind == "context":
            parts = [text_of(e) if e.get("type") != "image" else f"[{e.get('alt_text', 'image')}]"
                     for e in block.get("elements") or [] if isinstance(e, dict)]
            indent = "  " if after_item else ""
            lines += [indent + style(line, DIM) for p in parts for line in p.split("\n")]
        elif kind == "actions":
            lines.append(" ".join(_button(e) for e in block.get("elements") or []))
        elif kind == "context_actions":  # feedback_buttons: their 👍 / 👎 side by side
            lines.append(" ".join(_button(e.get(side) or {}) for e in block.get("elements") or []
                                  for side in ("positive_button", "negative_button")))
        elif kind == "divider":
            lines.append("─" * 40)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        previous = block
    return lines


def _raw_text(block: dict[str, Any]) -> str:
    text = block.get("text")
    return str(text.get("text") or "") if isinstance(text, dict) else str(text or "")


def _button(element: dict[str, Any]) -> str:
    label = f"[ {(element.get('text') or {}).get('text', element.get('action_id', '?'))} ]"
    return style(label, RED) if element.get("style") == "danger" else style(label, CYAN)


def wrap(line: str, width: int, hang: str | None = None) -> list[str]:
    """Greedy word wrap by visible width; a bullet's continuation lines hang under its text."""
    if visible_len(line) <= width:
        return [line]
    if hang is None:
        hang = " " * len(re.match(r"\s*(?:[•◦*-] )?", _SGR.sub("", line))[0])  # type: ignore[index]
    lead = len(line) - len(line.lstrip(" "))
    first, *words = line[lead:].split(" ")
    out, current = [], " " * lead + first
    for word in words:
        if visible_len(f"{current} {word}") > width and current.strip():
            out.append(current)
            current = hang + word
        else:
            current = f"{current} {word}"
    out.append(current)
    return _carry_styles(out)


def _carry_styles(lines: list[str]) -> list[str]:
    """A style open at a line's end is closed there and reopened on the next line."""
    carried, out = "", []
    for line in lines:
        line = carried + line
        still_open: list[str] = []
        for code in _SGR.findall(line):
            still_open = [] if code == RESET else [*still_open, code]
        carried = "".join(still_open)
        out.append(line + RESET if carried else line)
    return out


@dataclass
class Terminal:
    """Where the demo writes: colour and emoji decided once, from the stream itself."""

    stream: TextIO
    color: bool
    emojis: bool
    width: int

    @classmethod
    def for_stream(cls, stream: TextIO | None = None) -> Terminal:
        stream = stream or sys.stdout
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "⏳✅═─•“”".encode(encoding)
            emojis = True
        except (UnicodeEncodeError, LookupError):
            emojis = False
        tty = hasattr(stream, "isatty") and stream.isatty()
        width = shutil.get_terminal_size((100, 24)).columns if tty else 100
        return cls(stream, tty, emojis, max(60, min(width, 120)))

    def say(self, text: str = "", indent: str = "", hang: str | None = None, *,
            end: str = "\n") -> None:
        """Print `text`, each line after `indent`, wrapped to the terminal (continuations after
        `hang`, or under a bullet's text), and flush at once so the thread shows live."""
        width = max(20, self.width - visible_len(indent))
        lines = [line for raw in text.split("\n") for line in wrap(raw, width, hang)]
        for n, line in enumerate(lines, start=1):
            text = indent + line if line else indent.rstrip()
            self._write(text, end if n == len(lines) else "\n")

    def _write(self, line: str, end: str = "\n") -> None:
        if not self.color:
            line = _SGR.sub("", line)
        if not self.emojis:
            line = line.translate(ASCII).encode("ascii", "replace").decode("ascii")
        self.stream.write(line + end)
        self.stream.flush()

    def mrkdwn(self, text: str, names: Mapping[str, str] | None = None) -> str:
        return mrkdwn(text, names, emojis=self.emojis)

    def emoji(self, name: str) -> str:
        return emoji(name, self.emojis)
