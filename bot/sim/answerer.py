"""Writing the simulated LLM's free-text follow-up answers: the transcript line that best
matches the question, quoted with its time and speaker, or a table, a shorter answer, Spanish.

Pure functions. May import: the standard library, bot.sim.prompt_reader and bot.sim.recapper.
"""

from __future__ import annotations

import re
from typing import Any

from bot.sim.prompt_reader import (
    STOP_WORDS,
    Line,
    clip,
    split_sentences,
    text_of,
    transcript_lines,
    words_of,
)
from bot.sim.recapper import extract


def _stem(word: str) -> str:
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _best(lines: list[Line], question: str, n: int) -> list[tuple[Line, str]]:
    """The n lines (with their best sentence) sharing most content words with the question."""
    question = _FORMAT_WORDS.sub(" ", question)
    asked = {_stem(w) for w in words_of(question) if w.lower() not in STOP_WORDS}
    scored = []
    for i, line in enumerate(lines):
        for sentence in split_sentences(line.text):
            overlap = len(asked & {_stem(w) for w in words_of(sentence)})
            if overlap:
                scored.append((-overlap, i, line, sentence))
    scored.sort(key=lambda s: (s[0], s[1]))
    picked: list[tuple[Line, str]] = []
    for _, _, line, sentence in scored:
        if all(line is not p[0] for p in picked):
            picked.append((line, sentence))
        if len(picked) == n:
            break
    return picked


_FORMAT_WORDS = re.compile(r"\b(?:table|shorter|shorten|spanish|español|format|markdown)\b", re.I)


def _table(lines: list[Line], question: str) -> str:
    """A markdown table: the decisions or action items if asked for, else the best lines."""
    head = "| Time | Speaker | What was said |\n| --- | --- | --- |\n"
    actions, decisions = extract(lines)
    if "decision" in question.lower() and decisions:
        rows = [f"| {d['start']} | {d['text']} |" for d in decisions]
        return "| Time | Decision |\n| --- | --- |\n" + "\n".join(rows)
    if re.search(r"action|to-?do|task", question, re.I) and actions:
        rows = [f"| {a['owner'] or '-'} | {a['text']} | {a['due'] or '-'} |" for a in actions]
        return "| Owner | Action | Due |\n| --- | --- | --- |\n" + "\n".join(rows)
    best = _best(lines, question, 3) or [(line, line.text) for line in lines[:3]]
    return head + "\n".join(f"| {ln.stamp} | {ln.label} | {clip(s, 25)} |" for ln, s in best)


def follow_up(messages: list[dict[str, Any]]) -> str:
    """Free-text answer citing the transcript line that best matches the question."""
    question = next((text_of(m) for m in reversed(messages) if m.get("role") == "user"), "")
    earlier = [text_of(m) for m in messages if m.get("role") == "assistant"]
    lines = transcript_lines("\n".join(text_of(m) for m in messages))
    asked = question.lower()
    if not lines:
        return f"(simulated answer) {clip(question, 30)}"
    if "table" in asked:
        return _table(lines, question)
    if "shorter" in asked or "shorten" in asked or "tl;dr" in asked:
        base = earlier[-1] if earlier else lines[0].text
        return clip(split_sentences(base)[0] if split_sentences(base) else base, 12)
    best = _best(lines, question, 1)
    if not best:
        return "I couldn't find anything about that in the transcript."
    line, sentence = best[0]
    if "spanish" in asked or "español" in asked:
        return f"Respuesta en español: en [{line.stamp}] {line.label} dijo: “{sentence}”."
    return f"At [{line.stamp}] {line.label} said: “{sentence}”."
