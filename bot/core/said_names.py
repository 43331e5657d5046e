"""Names said in a transcript: people addressed by name ("Bob, can you…", "Thanks, Alice."),
offered to Speaker Identification beside the channel's people when a finished transcript is
identified later.

Only the vocative is taken: a capitalised word or two at a sentence's start followed by a comma,
or after a comma at its end. That is where a name is said to someone, and it skips the many
capitalised words a sentence starts with ("Yesterday, …" is in STOP). Wrong candidates cost
little (AssemblyAI names a speaker only from what is said), missing ones cost only a letter.
English only. Pure; linear in the text (each sentence is matched by anchored patterns).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.transcript import Utterance

AT_MOST = 10
_SENTENCES = re.compile(r"[^.?!]+")
_WORD = r"[A-Z][a-zà-öø-ÿ'’-]{1,30}"
_NAME = rf"({_WORD}(?: {_WORD})?)"
_OPENING = re.compile(rf"\s*(?i:(?:hey|hi|hello|thanks|thank you|okay|ok|so|and|well)\s*,?\s+)?"
                      rf"{_NAME},\s")
_CLOSING = re.compile(rf",\s+{_NAME}\s*$")
STOP = frozenset("""
    actually after afternoon agreed alright also and anyway as at because before but bye cheers
    evening exactly fine first for friday good great guys hello hey hi honestly however if in
    indeed it just last later look meanwhile monday morning next nice no nope now ok okay on
    one option partly perfect please plus really right same saturday second see so still sunday
    sure team thanks then there third thursday today tomorrow totally true tuesday um uh
    unfortunately wednesday well what when where why yeah yep yes yesterday you everyone all
    folks everybody people guys sorry wait
""".split())


def said_names(utterances: Iterable[Utterance], at_most: int = AT_MOST) -> list[str]:
    """The names people were addressed by, most often said first, at most `at_most`."""
    counts: dict[str, int] = {}
    for utterance in utterances:
        for sentence in _SENTENCES.findall(utterance.text[:5000]):
            for pattern in (_OPENING, _CLOSING):
                found = pattern.search(sentence) if pattern is _CLOSING else (
                    pattern.match(sentence))
                if found and _is_name(found.group(1)):
                    counts[found.group(1)] = counts.get(found.group(1), 0) + 1
    ranked = sorted(counts, key=lambda name: -counts[name])
    return ranked[:at_most]


def _is_name(text: str) -> bool:
    return not any(word.casefold() in STOP for word in text.split())
