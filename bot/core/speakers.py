"""People, not letters: who spoke how long, and names in place of diarization labels.

Pure: no I/O. Talk time comes from the utterances, never from the LLM. Names are a mapping
{label: name} kept beside the transcript (the transcript keeps AssemblyAI's labels), so naming a
speaker rewrites the stored recap here, with no new LLM call: topics' speakers, owners, and the
model's free text that says "Speaker A". A speaker nobody named stays "Speaker C".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.core.markdown import recap_markdown
from bot.core.recap import ActionItem, Recap, Topic
from bot.core.transcript import Utterance

MAX_NAME = 80
# "A is Priya Shah", "Speaker C is Dana", "C = Dana", "A=Priya Shah": a label, then its name.
_RENAME = re.compile(
    r"(?:speaker\s+)?\b([A-Z]{1,2}|\d{1,2})\s*(?:=|:|\bis\b)\s*([^,;=\n]{1,80}?)\s*(?=[,;\n]|$|"
    r"\s+and\s+(?:speaker\s+)?\b(?:[A-Z]{1,2}|\d{1,2})\s*(?:=|:|\bis\b))",
    re.IGNORECASE,
)


def talk_stats(utterances: Sequence[Utterance], names: Mapping[str, str] | None = None,
               ) -> list[dict[str, Any]]:
    """[{label, name, talk_ms, share, questions}] in order of first appearance; share in %."""
    names = names or {}
    talk: dict[str, int] = {}
    questions: dict[str, int] = {}
    for u in utterances:
        talk[u.speaker] = talk.get(u.speaker, 0) + max(u.end_ms - u.start_ms, 0)
        questions[u.speaker] = questions.get(u.speaker, 0) + u.text.count("?")
    total = sum(talk.values()) or 1
    return [{"label": label, "name": names.get(label) or display(label), "talk_ms": ms,
             "share": round(100 * ms / total), "questions": questions[label]}
            for label, ms in talk.items()]


def display(label: str) -> str:
    """What a speaker is called before anyone names them: AssemblyAI's "A" is "Speaker A"."""
    return f"Speaker {label}" if re.fullmatch(r"[A-Z]{1,2}|\d{1,2}", label) else label


def parse_renames(text: str, labels: Iterable[str]) -> dict[str, str]:
    """{label: name} from what a person typed; only labels the recording has, names trimmed."""
    known = {label.upper(): label for label in labels}
    found: dict[str, str] = {}
    for match in _RENAME.finditer(text.replace("<@", "")[:2000]):
        label = known.get(match.group(1).upper())
        name = " ".join(match.group(2).strip(" .!'\"").split())[:MAX_NAME]
        if label and name and name.lower() not in ("who", "what", "?"):
            found[label] = name
    return found


def parse_speakers_option(value: str) -> dict[str, str]:
    """`--speakers "A=Priya Shah,B=Marcus"` for the CLI."""
    pairs = (part.split("=", 1) for part in value.split(",") if "=" in part)
    return {k.strip(): " ".join(v.split())[:MAX_NAME] for k, v in pairs if k.strip() and v.strip()}


def named_utterances(utterances: Sequence[Utterance],
                     names: Mapping[str, str]) -> tuple[Utterance, ...]:
    """The transcript as people read it (follow-ups, the export): names where known."""
    return tuple(replace(u, speaker=names.get(u.speaker, u.speaker)) for u in utterances)


def named_recap(recap: Recap, names: Mapping[str, str]) -> Recap:
    """The stored recap with names in place of labels, everywhere a label can stand."""
    if not names:
        return recap
    say = _substitute(names)

    def who(speaker: str | None) -> str | None:
        if speaker is None:
            return None
        bare = re.sub(r"^speaker\s+", "", speaker.strip(), flags=re.IGNORECASE)
        return names.get(bare) or names.get(speaker) or say(speaker)

    topics = [Topic(t.title and say(t.title), say(t.summary), t.start_ms,
                    [who(s) or s for s in t.speakers]) for t in recap.topics]
    items = [ActionItem(say(a.text), who(a.owner), a.due, a.start_ms, a.quote)
             for a in recap.action_items]
    stats = [{**s, "name": names.get(s["label"], s["name"])} for s in recap.speakers]
    named = replace(recap, tldr=say(recap.tldr), topics=topics, action_items=items,
                    decisions=[say(d) for d in recap.decisions], speakers=stats)
    named.text = recap_markdown(named)
    return named


def _substitute(names: Mapping[str, str]) -> Callable[[str], str]:
    """`Speaker A` (and `(A, B)` speaker lists) -> names, in one linear pass."""
    labels = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"\bSpeaker\s+(" + "|".join(re.escape(k) for k in labels) + r")\b")

    def say(text: str) -> str:
        return pattern.sub(lambda m: names[m.group(1)], text) if text else text

    return say
