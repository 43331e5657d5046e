"""Speaker Identification, Recap's side of the wire: which names to offer, and what came back.

AssemblyAI names diarized speakers from a list of candidates (`speech_understanding.request.
speaker_identification {speaker_type: "name", known_values}`, in the create beside
`speaker_labels: true`, or on a finished transcript via the LLM Gateway's `POST
/v1/understanding`), and answers with `speech_understanding.response.speaker_identification
{mapping: {"A": name}, status}` while renaming every utterance's and word's `speaker` to the name
(assemblyai-api-spec fern/pages/speech-understanding/speaker-identification*.mdx; openapi.yml
`SpeakerIdentificationRequestBody`: each value at most 35 characters; assemblyai 1.8.2
types.py `SpeakerIdentificationResponse`). The docs state no limit on how many values; Recap
offers at most MAX_KNOWN_VALUES, the likeliest first.

Recap keeps AssemblyAI's letters in the stored transcript and the names beside it (a rename is
a row, not a new transcript), so the relabel is undone here by the inverse mapping. Only names
that came back map; a speaker the service could not name keeps its letter. Pure and linear in
the size of the transcript.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAX_VALUE_CHARS = 35
MAX_KNOWN_VALUES = 50
SUCCESS = "success"
_LETTER = re.compile(r"[A-Z]{1,2}|\d{1,2}")
_NOT_A_NAME = frozenset({"unknown", "unidentified", "none", "null", "n/a", ""})


def fold(text: str) -> str:
    """`text` without case, accents or repeated spaces: "  JOSÉ  garcía" -> "jose garcia"."""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def known_values(*groups: Iterable[str], at_most: int = MAX_KNOWN_VALUES) -> list[str]:
    """The names to offer, in the order given: trimmed, each at most 35 characters (a longer one
    is left out rather than cut into a name nobody has), once each however it is cased or
    accented, at most `at_most` of them."""
    chosen: list[str] = []
    seen: set[str] = set()
    for group in groups:
        for raw in group:
            name = " ".join(str(raw).split())
            key = fold(name)
            if not name or len(name) > MAX_VALUE_CHARS or key in seen or _is_letter(name):
                continue
            seen.add(key)
            chosen.append(name)
            if len(chosen) >= at_most:
                return chosen
    return chosen


def identification_request(values: Sequence[str]) -> dict[str, Any]:
    """`speech_understanding.request` asking for names among `values`."""
    return {"speaker_identification": {"speaker_type": "name", "known_values": list(values)}}


def identification_result(speech_understanding: Any) -> tuple[str | None, dict[str, str]]:
    """(status, {label: name}) from a `speech_understanding` block; (None, {}) when none ran.

    A status other than "success" yields no names. Entries that name nobody (a letter, "Speaker
    C", "Unknown") are dropped, so those speakers keep their letters.
    """
    status, mapping = _reported(speech_understanding)
    return status, mapping if status == SUCCESS else {}


def _reported(speech_understanding: Any) -> tuple[str | None, dict[str, str]]:
    """(status, the mapping's entries that name someone), whatever the status."""
    if not isinstance(speech_understanding, Mapping):
        return None, {}
    response = speech_understanding.get("response")
    result = response.get("speaker_identification") if isinstance(response, Mapping) else None
    if not isinstance(result, Mapping):
        return None, {}
    mapping = result.get("mapping")
    if not isinstance(mapping, Mapping):
        mapping = {}
    return str(result.get("status") or ""), {
        str(label): " ".join(name.split()) for label, name in mapping.items()
        if isinstance(name, str) and _names_someone(str(label), name)}


def undo_relabel(items: list[dict[str, Any]] | None,
                 mapping: Mapping[str, str]) -> list[dict[str, Any]] | None:
    """Utterances (with their words) or words with each identified name back to its letter.

    Two letters given one name cannot be told apart afterwards: both become the first of them.
    """
    if not items or not mapping:
        return items
    back: dict[str, str] = {}
    for label, name in mapping.items():
        back.setdefault(name, label)
    restored = []
    for item in items:
        copy = dict(item)
        if isinstance(copy.get("speaker"), str) and copy["speaker"] in back:
            copy["speaker"] = back[copy["speaker"]]
        if isinstance(words := copy.get("words"), list):
            copy["words"] = undo_relabel(words, mapping)
        restored.append(copy)
    return restored


def restore_labels(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A finished transcript's JSON with its letters back, and the names that map to them
    (only letters the restored utterances use). Any mapping reported is undone, but names are
    handed on only when the status is success."""
    status, mapping = _reported(data.get("speech_understanding"))
    if not mapping:
        return dict(data), {}
    restored = dict(data)
    restored["utterances"] = undo_relabel(data.get("utterances"), mapping)
    restored["words"] = undo_relabel(data.get("words"), mapping)
    if status != SUCCESS:
        return restored, {}
    used = {str(u.get("speaker")) for u in restored["utterances"] or ()}
    return restored, {label: name for label, name in mapping.items() if label in used}


def _is_letter(name: str) -> bool:
    return _LETTER.fullmatch(name) is not None


def _names_someone(label: str, name: str) -> bool:
    key = fold(name)
    return (key not in _NOT_A_NAME and key != fold(label) and key != fold(f"speaker {label}")
            and not _is_letter(name.strip()) and len(name) <= 200)
