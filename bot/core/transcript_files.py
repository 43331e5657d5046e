"""Transcript files posted instead of recordings (.vtt, .srt, .txt) -> utterances.

Pure: imports the standard library (re, html) and bot.core.transcript only. Files come from
people and other tools, so nothing here raises: what cannot be read is left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from bot.core.transcript import Utterance, parse_timestamp

TRANSCRIPT_EXTENSIONS = (".vtt", ".srt", ".txt")
UNKNOWN_SPEAKER = "Unknown"

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING_RE = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})")
_VOICE_RE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG_RE = re.compile(r"<[^>]*>|\{\\[^}]*\}")
# A label is a name of up to four words ("Alice", "Dr. Bob Lee", "SPEAKER 1"), then ": ".
_NAME = r"[^\W\d_][\w.'’-]*(?: [\w.'’-]+){0,3}"
_LABEL_RE = re.compile(rf"^(?:-|>>)?\s*({_NAME}):\s+(.*)$")
_STAMP_RE = re.compile(rf"^[\[(]?({_TIME})[\])]?\s*[-–]?\s*")
# Otter-style heading: "Alice  0:01" on its own line, the words on the lines below.
_HEADING_RE = re.compile(rf"^({_NAME})(?:\s{{2,}}|\t|\s*\()({_TIME})\)?$")
_SPEAKER_LETTER_RE = re.compile(r"^speaker\s+([A-Za-z0-9]{1,2})$", re.IGNORECASE)


def parse_transcript_file(name: str, text: str) -> list[Utterance]:
    """Utterances from a subtitle or plain-text transcript; [] when nothing can be read."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if name.lower().endswith((".vtt", ".srt")) or any(
        _TIMING_RE.match(line) for line in text.split("\n", 60)[:60]
    ):
        turns = _cues(text)
    else:
        turns = _lines(text)
    return _merge(turns)


def speaker_label(label: str) -> str:
    """Turn "Speaker A" into "A" (utterance_line renders "Speaker A" again); names stay."""
    label = " ".join(label.split())
    letter = _SPEAKER_LETTER_RE.match(label)
    return letter.group(1).upper() if letter else label


def _cues(text: str) -> Iterable[tuple[str | None, int, int, str]]:
    """(speaker or None, start, end, text) per cue line of a WebVTT or SRT file."""
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if _TIMING_RE.match(line)), None)
        if timing is None:  # header, NOTE, STYLE, REGION, stray text
            continue
        found = _TIMING_RE.match(lines[timing])
        assert found is not None
        start = parse_timestamp(found.group(1)) or 0
        end = max(start, parse_timestamp(found.group(2)) or 0)
        for line in lines[timing + 1 :]:
            voice = _VOICE_RE.search(line)
            words = _clean(line)
            speaker = voice.group(1).strip() if voice else None
            if speaker is None and (label := _LABEL_RE.match(words)):
                speaker, words = label.group(1), label.group(2)
            if words:
                yield speaker, start, end, words


def _lines(text: str) -> list[tuple[str | None, int, int, str]]:
    """(speaker or None, start, start, text) per line of a plain-text transcript."""
    rows: list[tuple[str | None, int | None, str]] = []
    heading: tuple[str, int | None] | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if found := _HEADING_RE.match(line):
            heading = (found.group(1), parse_timestamp(found.group(2)))
            continue
        start: int | None = None
        if stamp := _STAMP_RE.match(line):
            start, line = parse_timestamp(stamp.group(1)), line[stamp.end() :]
        speaker: str | None = None
        if label := _LABEL_RE.match(line):
            speaker, line = label.group(1), label.group(2)
        elif heading:
            speaker, start = heading[0], start if start is not None else heading[1]
        heading = None
        if line := _clean(line):
            rows.append((speaker, start, line))
    labelled = sum(1 for speaker, _, _ in rows if speaker)
    if labelled < 2 and not any(s and t is not None for s, t, _ in rows):
        # One "Note: ..." line does not make a conversation: read it all as plain prose.
        rows = [(None, t, line if not s else f"{s}: {line}") for s, t, line in rows]
    last = 0
    turns: list[tuple[str | None, int, int, str]] = []
    for speaker, start, line in rows:
        last = start if start is not None else last
        turns.append((speaker, last, last, line))
    return turns


def _merge(turns: Iterable[tuple[str | None, int, int, str]]) -> list[Utterance]:
    """One utterance per run of one speaker; unlabelled lines continue the current speaker."""
    runs: list[tuple[str, int, list[int], list[str]]] = []  # speaker, start, [end], texts
    current, previous = UNKNOWN_SPEAKER, ""
    for speaker, start, end, words in turns:
        current = speaker_label(speaker) if speaker else current
        if runs and runs[-1][0] == current:
            _, _, last_end, texts = runs[-1]
            last_end[0] = max(last_end[0], end)
            # Rolling captions (YouTube's) repeat the previous line at the top of each cue.
            if not (words == previous and len(words.split()) >= 3):
                texts.append(words)
        else:
            runs.append((current, start, [max(start, end)], [words]))
        previous = words
    merged = [Utterance(who, start, end[0], " ".join(texts)) for who, start, end, texts in runs]
    return _close_gaps(merged)


def _close_gaps(utterances: list[Utterance]) -> list[Utterance]:
    """Plain-text turns have only a start: each one lasts until the next one starts."""
    closed = list(utterances)
    for i, u in enumerate(closed[:-1]):
        following = closed[i + 1].start_ms
        if u.end_ms == u.start_ms and following > u.start_ms:
            closed[i] = Utterance(u.speaker, u.start_ms, following, u.text)
    return closed


def _clean(line: str) -> str:
    """Cue text without markup: voice, style and timestamp tags, {\\an8}, HTML entities."""
    return " ".join(html.unescape(_TAG_RE.sub("", line)).split())
