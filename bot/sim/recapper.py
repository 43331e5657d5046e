"""Writing the simulated LLM's structured answers: an extractive recap of the transcript lines
(topics from the lines' frequent words, action items and decisions found sentence by sentence),
the reduce step that merges partial recaps, and the judge's verdict. Deterministic, so tests can
assert the map/reduce shape.

Pure functions. May import: the standard library and bot.sim.prompt_reader.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from bot.sim.prompt_reader import (
    STOP_WORDS,
    Line,
    capitalized,
    clip,
    fenced,
    people_named,
    split_sentences,
    transcript_lines,
    words_of,
)

_VERBS = set(
    "take takes took ran run runs move moves ship ships send sends make makes keep keeps put "
    "add adds ask asks write writes update updates tell tells fail fails fix fixes give gives "
    "say says said talk talks come comes sit sits spend spent grew grow help helps test tests "
    "met meet meets prefer prefers finish finishes shows show ran try tries drop freeze".split()
)

_ASK = re.compile(r"\b(?:can|could) you\b", re.I)
_SELF = re.compile(r"\bI(?:'ll| will)\b")
_DAY = r"(?:(?:next|this)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DUE = re.compile(
    rf"\b(?:{_DAY}|tomorrow|today|tonight|next week|(?:the )?end of (?:the )?(?:day|week|month))\b",
    re.I,
)
_ACTION = re.compile(
    rf"\b(?:can you|could you|I'll|I will|will|by {_DAY}|tomorrow|next week)\b", re.I
)
_DECISION = re.compile(r"\b(?:decided|decide to|agree|agreed|let's go with|we'll go with)\b", re.I)


def _action(line: Line, sentence: str, names: list[str]) -> dict[str, Any]:
    if m := re.search(r"\b(?:can|could) you (?:please )?(.+?)[.!?]*$", sentence, re.I):
        text = m[1]
    elif m := re.search(r"\bI(?:'ll| will) (.+?)[.!?]*$", sentence):
        text = m[1]
    else:
        text = sentence
    named = [n for n in names if re.search(rf"\b{re.escape(n)}\b", sentence)]
    named.sort(key=sentence.index)
    owner = named[0] if named else (line.speaker if _SELF.search(sentence) else None)
    due = _DUE.search(sentence)
    return {"text": capitalized(text), "owner": owner, "due": due[0] if due else None,
            "start": line.stamp, "quote": clip(sentence, 25).rstrip("…")}


def _decision(line: Line, sentence: str) -> dict[str, Any]:
    text = sentence
    if m := re.search(r"\bdecided (?:to |that |on )?(.+?)[.!?]*$", sentence, re.I):
        text = m[1]
    elif m := re.search(r"\b(?:let's|we'll) go with (.+?)[.!?]*$", sentence, re.I):
        text = "Go with " + m[1]
    elif m := re.search(r"\bagreed? (?:to|that|on) (.+?)[.!?]*$", sentence, re.I):
        text = m[1]
    return {"text": capitalized(text), "start": line.stamp, "quote": clip(sentence, 25).rstrip("…")}


def extract(lines: list[Line]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Action items and decisions, found sentence by sentence."""
    names = people_named(lines)
    actions: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    asked_before = False
    for line in lines:
        asked_now = False
        for sentence in split_sentences(line.text):
            if _DECISION.search(sentence) and len(sentence.split()) >= 5:
                decisions.append(_decision(line, sentence))
            elif _ACTION.search(sentence):
                if asked_before and _SELF.search(sentence) and not _ASK.search(sentence):
                    continue  # "Sure, I'll do that." accepts the request just made
                item = _action(line, sentence, names)
                if all(a["text"].lower() != item["text"].lower() for a in actions):
                    actions.append(item)
                asked_now = asked_now or bool(_ASK.search(sentence))
        asked_before = asked_now
    return actions, decisions


def _keywords(text: str, names: list[str]) -> list[str]:
    return [w for w in words_of(text)
            if w.lower() not in STOP_WORDS and w not in names and len(w) > 2]


def _topic(group: list[Line], names: list[str], summary_words: int) -> dict[str, Any]:
    """Lead sentence = the one richest in the group's frequent words; title = its key words."""
    freq: dict[str, int] = {}
    for line in group:
        for w in _keywords(line.text, names):
            freq[w.lower()] = freq.get(w.lower(), 0) + 1
    sentences = [s for line in group for s in split_sentences(line.text)]
    candidates = [s for s in sentences if len(s.split()) >= 6] or sentences

    def score(sentence: str) -> int:
        return sum(freq.get(w.lower(), 0) for w in set(_keywords(sentence, names)))

    lead = max(candidates, key=score)  # max keeps the earliest of equals
    keys = list(dict.fromkeys(_keywords(lead, names)))
    nouns = [w for w in keys if w.lower() not in _VERBS and not w.endswith(("ed", "ing"))]
    top = sorted(nouns or keys, key=lambda w: -freq.get(w.lower(), 0))[:3]
    title = " ".join(w[:1].upper() + w[1:] for w in keys if w in top) or "Discussion"
    speakers = list(dict.fromkeys(line.speaker for line in group))
    return {"title": title, "summary": clip(lead, summary_words), "start": group[0].stamp,
            "speakers": speakers}


def _topics(lines: list[Line], count: int, summary_words: int) -> list[dict[str, Any]]:
    names = people_named(lines)
    size = max(1, math.ceil(len(lines) / max(1, count)))
    return [_topic(lines[i : i + size], names, summary_words) for i in range(0, len(lines), size)]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _tldr(lines: list[Line], topics: list[dict[str, Any]], decisions: list[dict[str, Any]],
          actions: list[dict[str, Any]]) -> str:
    people = _join(list(dict.fromkeys(line.label for line in lines)))
    subjects = _join([t["title"].lower() for t in topics[:3]]) or "the agenda"
    first = f"{people} discussed {subjects}."
    if decisions:
        decided = decisions[0]["text"]
        return f"{first} They decided to {decided[:1].lower()}{decided[1:]}."
    if actions:
        return f"{first} {len(actions)} follow-ups were assigned, first: {actions[0]['text']}."
    return f"{first} {capitalized(clip(split_sentences(lines[0].text)[0], 15))}."


def _shape(recap: dict[str, Any], style: str | None) -> dict[str, Any]:
    """Keep the fields the style asks for (INTERFACES.md: brief, bullets, actions, chapters)."""
    if style == "brief":
        recap |= {"topics": [], "action_items": [], "decisions": []}
    elif style in ("bullets", "chapters"):
        recap |= {"action_items": [], "decisions": []}
        if style == "bullets" and len(recap["topics"]) > 7:
            step = len(recap["topics"]) / 7
            recap["topics"] = [recap["topics"][int(i * step)] for i in range(7)]
    elif style == "actions":
        recap |= {"tldr": "", "topics": []}
    return recap


def write_recap(prompt: str, style: str | None, topic_lines: int,
                plant: dict[str, Any] | None = None) -> dict[str, Any]:
    """The recap a `recap` call gets: a merge of <partials>, else an extract of the transcript;
    `plant` is an action item added unless its owner already has one (the sim's invention)."""
    partials = fenced(prompt, "partials")
    if partials is not None:
        recap = _merge(partials)
    else:
        lines = transcript_lines(prompt)
        if not lines:
            return {"tldr": "The transcript is empty.", "topics": [], "action_items": [],
                    "decisions": []}
        wanted = math.ceil(len(lines) / max(1, topic_lines))
        if style == "bullets":
            count = max(min(3, len(lines)), min(wanted, 7))
        else:
            count = max(1, min(wanted, 12 if style == "chapters" else 6))
        topics = _topics(lines, count, 12 if style == "chapters" else 20)
        actions, decisions = extract(lines)
        recap = {"tldr": _tldr(lines, topics, decisions, actions), "topics": topics,
                 "action_items": actions, "decisions": decisions}
    if plant is not None and all(a.get("owner") != plant["owner"] for a in recap["action_items"]):
        recap["action_items"].append(dict(plant))
    return _shape(recap, style)


def _merge(partials_json: str) -> dict[str, Any]:
    """The reduce step: concatenate topics and decisions, dedupe actions, shorten the tldrs."""
    try:
        partials = json.loads(partials_json)
    except ValueError:
        partials = []
    partials = [p for p in partials if isinstance(p, dict)] if isinstance(partials, list) else []
    topics: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    tldrs: list[str] = []
    for p in partials:
        topics += [t for t in p.get("topics") or [] if isinstance(t, dict)]
        decisions += [d for d in p.get("decisions") or [] if isinstance(d, dict)]
        for item in p.get("action_items") or []:
            text = str(item.get("text", "")).lower() if isinstance(item, dict) else ""
            if text and all(str(a.get("text", "")).lower() != text for a in actions):
                actions.append(item)
        sentences = split_sentences(str(p.get("tldr") or ""))
        if sentences and sentences[0] not in tldrs:
            tldrs.append(sentences[0])
    tldr = clip(" ".join(tldrs), 60) if tldrs else ""
    return {"tldr": tldr, "topics": topics, "action_items": actions, "decisions": decisions}


def judge(prompt: str, suspects: Iterable[str] = ()) -> dict[str, Any]:
    """Flag recap lines naming a person the transcript never mentions: a suspect (the planted
    owner), or an item's owner (`— *Name*`) absent from this part of a transcript judged in
    parts."""
    transcript = fenced(prompt, "transcript") or ""
    recap = fenced(prompt, "recap") or ""
    people = {*suspects, *re.findall(r"— \*([^*\n]{1,60})\*", recap)}

    def said(name: str, text: str) -> bool:
        return re.search(rf"\b{re.escape(name)}\b", text) is not None

    flagged = [
        line.strip().lstrip("-*• ").strip()
        for line in recap.splitlines()
        if any(said(n, line) and not said(n, transcript) for n in people)
    ]
    return {"hallucinations": flagged, "accurate": not flagged, "missing": []}
