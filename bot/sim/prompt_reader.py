"""Reading a prompt the way a model would, for the simulated LLM: what kind of answer a request
wants, the fenced blocks (<transcript>, <partials>, <recap>, <instructions>), the transcript's
`[mm:ss] Speaker: text` lines, the style, and the sentence, word and name helpers the recapper
and the answerer share. The convention is INTERFACES.md's; bot/core/prompts.py writes it.

Pure functions. May import: the standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


def text_of(message: dict[str, Any]) -> str:
    """A chat message's text, whether `content` is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def format_of(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(response_format type, json_schema name) of a request; (None, None) without one."""
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return None, None
    kind = response_format.get("type")
    spec = response_format.get("json_schema") if kind == "json_schema" else None
    name = spec.get("name") if isinstance(spec, dict) else None
    return (str(kind) if kind else None), (str(name) if name else None)


def schema_for(fmt: str | None, name: str | None, messages: list[dict[str, Any]]) -> str | None:
    """"recap", "judge", or None for a free-text follow-up.

    Without a schema name (json_object, or the schema pasted into the prompt after a server
    refused response_format) the kind is read from the prompt itself.
    """
    if name in ("recap", "judge"):
        return name
    texts = [(m.get("role"), text_of(m)) for m in messages]
    asks_json = any(
        "JSON schema" in text or (role == "system" and "JSON object" in text)
        for role, text in texts
    )
    if fmt is None and not asks_json:
        return None
    prompt = "\n".join(text for _, text in texts)
    judged = fenced(prompt, "recap") is not None or '"hallucinations"' in prompt
    return "judge" if judged else "recap"


@dataclass(frozen=True)
class Line:
    """One `[mm:ss] Speaker: text` line of the fenced transcript ("A" for "Speaker A")."""

    stamp: str
    speaker: str
    text: str

    @property
    def label(self) -> str:
        return f"Speaker {self.speaker}" if len(self.speaker) <= 2 else self.speaker


_LINE = re.compile(r"^\[(\d{1,2}:\d{2}(?::\d{2})?)\]\s+([^:\n]{1,60}?):\s+(.*\S)\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def fenced(prompt: str, tag: str) -> str | None:
    """The text between a line `<tag>` and a line `</tag>` (the last such block)."""
    found = re.findall(rf"^\s*<{tag}>\s*$(.*?)^\s*</{tag}>\s*$", prompt, re.M | re.S)
    return found[-1] if found else None


def transcript_lines(prompt: str) -> list[Line]:
    block = fenced(prompt, "transcript")
    lines = []
    for raw in (block or "").splitlines():
        if m := _LINE.match(raw.strip()):
            speaker = m[2].strip()
            speaker = speaker[8:].strip() if speaker.startswith("Speaker ") else speaker
            lines.append(Line(m[1], speaker, m[3]))
    return lines


def style_of(prompt: str) -> str | None:
    m = re.search(r"^\s*Style:\s*([A-Za-z_-]+)", prompt, re.M)
    return m[1].lower() if m else None


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def clip(text: str, words: int) -> str:
    parts = text.split()
    return text.strip() if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def capitalized(text: str) -> str:
    text = text.strip().rstrip(".!?")
    return text[:1].upper() + text[1:]


STOP_WORDS = set(
    "a an the and or but so to of in on at for with from by about into over after before is are "
    "was were be been being it its this that these those there here i i'm i'd i've you we our "
    "us they them he she his her my me your do does did doing not no yes have has had just "
    "really very also too then than as if what which who when where how why all any some more "
    "most much many can could would should will shall may might must let let's okay ok sure "
    "right well like get got go going one two morning everyone thanks thank nice great good "
    "want think know see look looks need still quick only up out now today yesterday i'll it's "
    "that's there's we're we'll they're don't doesn't isn't won't can't didn't same here "
    "anyone anything something nobody every each other another yet because since while".split()
)
_NOT_NAMES = {
    "Okay", "Ok", "Sure", "Yes", "Yeah", "No", "Well", "So", "Right", "Thanks", "Great", "Good",
    "Also", "Now", "And", "But", "Then", "Actually", "Honestly", "Alright", "Hey", "Hi", "Morning",
    "Look", "Listen", "Fine", "Cool", "Perfect", "Agreed", "Partly", "Nice", "Oh", "Please",
    "Anyway", "Sorry", "Wait", "Today", "Tomorrow", "Again", "Maybe", "Otherwise", "First", "Next",
}


def words_of(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text)


def people_named(lines: list[Line]) -> list[str]:
    """Speaker names plus people addressed by name ("Bob, can you ...", "Thanks, Alice.")."""
    names = {line.speaker: None for line in lines if len(line.speaker) > 2}
    for line in lines:
        for s in split_sentences(line.text):
            start = re.match(r"([A-Z][a-z]+),\s.*\byou\b", s)
            end = re.search(r",\s([A-Z][a-z]+)[.!?]$", s)
            for m in (start, end):
                if m and m[1] not in _NOT_NAMES:
                    names.setdefault(m[1], None)
    return list(names)
