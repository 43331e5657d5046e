"""A completed transcript's JSON without its word lists, before it is parsed.

AssemblyAI's GET /v2/transcript/{id} returns every word twice: in the top-level `words` and
again in each utterance's `words` (openapi.yml, components.schemas.Transcript and
TranscriptUtterance; /work/shared/fixtures/assemblyai_transcript_completed_openapi_example.json).
Recap reads only the utterances' speaker, start, end and text, and for three hours of audio the
words are over 90 % of the ~4.4 MB body: parsing them held the event loop for ~150 ms each time
a long transcript completed. The words arrays are cut out of the bytes first, in one pass.

A word (TranscriptWord) is a flat object: text, start, end, confidence, speaker, channel. So a
words array ends at the first `}` then `]` after it. Should a word's text itself hold "}]",
the cut bytes are no longer JSON: `parse` then reads the whole body, so the answer is never
wrong, only slower. Linear in the body: each search starts where the previous one ended.
"""

from __future__ import annotations

import json
import re
from typing import Any

_WORDS = re.compile(rb'"words"\s*:\s*\[\s*')
_END = re.compile(rb"\}\s*\]")


def without_words(body: bytes) -> bytes:
    """`body` with every non-empty "words" array emptied; anything else is left as it is."""
    parts: list[bytes] = []
    at = 0
    while (start := _WORDS.search(body, at)) is not None:
        opened = start.end()
        if body[opened:opened + 1] == b"]":  # already empty
            parts.append(body[at:opened + 1])
            at = opened + 1
            continue
        end = _END.search(body, opened)
        if end is None:
            return body  # not the shape expected: leave it whole
        parts += [body[at:start.start()], b'"words":[]']
        at = end.end()
    parts.append(body[at:])
    return b"".join(parts)


def parse(body: bytes) -> Any:
    """The JSON of `body`, words left out when that is safe (see the module docstring)."""
    try:
        return json.loads(without_words(body))
    except ValueError:
        return json.loads(body)
