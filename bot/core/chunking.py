"""Utterances -> token-budgeted chunks that break on speaker turns, for the map step.

Pure: imports the standard library (math, re, dataclasses) and bot.core.transcript only.
The token count is an estimate on purpose: no tokenizer to download, the same answer on
every machine, and on the high side so a chunk never overflows the model's context.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.core.transcript import Utterance, utterance_line

# Han, kana, Hangul, CJK punctuation and full-width forms: about one token per character.
_CJK = "\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_RE = re.compile(f"[{_CJK}]")
# Characters outside the BMP (emoji, rare scripts) cost a tokenizer two or more byte tokens.
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_NON_ASCII_RE = re.compile("[^\x00-\x7f]")
# Roughly how BPE tokenizers cut text: runs of letters and digits, and each symbol alone.
_PIECE_RE = re.compile(r"[^\W_]+|[^\w\s]|_")
# The same counts for ASCII text, on bytes (several times faster than the regexes).
_SYMBOLS = bytes(c for c in range(128) if not (chr(c).isalnum() or chr(c).isspace()))
_SPACES = bytes(c for c in range(128) if chr(c).isspace())
_TO_SPACE = bytes.maketrans(_SYMBOLS + _SPACES, b" " * (len(_SYMBOLS) + len(_SPACES)))
_SPACES_TO_SPACE = bytes.maketrans(_SPACES, b" " * len(_SPACES))
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’)\]])\s+|(?<=[。！？])\s*")
_UNIT_RE = re.compile(f"[{_CJK}]|[^\\s{_CJK}]+")
_WORD_GROUP = 16
INPUT_SHARE = 1.15  # a long recap's LLM input, at most, as a share of its transcript's tokens
MAX_PARTS = 16  # the most map calls one recap makes for latency


@dataclass(frozen=True)
class Chunk:
    """A slice of the transcript the LLM reads in one call."""

    index: int
    lines: tuple[str, ...]
    start_ms: int
    end_ms: int
    tokens: int

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def estimate_tokens(text: str) -> int:
    """A deterministic, slightly high token count (English, code-ish lines, CJK, emoji)."""
    if text.isascii():
        raw = text.encode()
        symbols = len(raw) - len(raw.translate(None, _SYMBOLS))
        pieces = len(raw.translate(_TO_SPACE).split()) + symbols
        words = len(raw.translate(_SPACES_TO_SPACE).split())
        return math.ceil(max(len(raw) / 4, words * 1.3, pieces))
    cjk = len(_CJK_RE.findall(text))
    astral = len(_ASTRAL_RE.findall(text))
    rest = _CJK_RE.sub(" ", _ASTRAL_RE.sub(" ", text))
    non_ascii = len(_NON_ASCII_RE.findall(rest))
    by_chars = (len(rest) - non_ascii) / 4 + non_ascii / 2
    by_words = len(rest.split()) * 1.3
    by_pieces = len(_PIECE_RE.findall(rest))
    return cjk + 2 * astral + math.ceil(max(by_chars, by_words, by_pieces))


def chunk_transcript(utterances: Sequence[Utterance], budget_tokens: int) -> list[Chunk]:
    """Greedily fill chunks up to the budget, breaking only between utterances.

    An utterance too long for any chunk is cut at sentence ends (then words) into lines that
    keep its speaker and take a start time interpolated from its position in the text.
    """
    if budget_tokens < 1:
        raise ValueError("budget_tokens must be at least 1")
    chunks: list[Chunk] = []
    pending: list[tuple[str, Utterance]] = []
    used = 0
    for utterance in utterances:
        for piece, line, cost in _fit(utterance, budget_tokens):
            if pending and used + cost > budget_tokens:
                chunks.append(_make_chunk(len(chunks), pending))
                pending, used = [], 0
            pending.append((line, piece))
            used += cost
    if pending:
        chunks.append(_make_chunk(len(chunks), pending))
    return chunks


def latency_budget(
    total_tokens: int, budget_tokens: int, *, max_parts: int, overhead_tokens: int,
    input_share: float = INPUT_SHARE,
) -> int:
    """The chunk budget that makes a long transcript's map step fast, not just possible.

    A transcript that needs two or more calls anyway (a reduce follows) is cut into more,
    smaller parts run at once: an LLM writes a reply in time that grows with its length, so the
    map step takes as long as its biggest part. Every part costs `overhead_tokens` more input
    (its prompt, and its brief in the reduce) and the reduce's own prompt about one more, so
    there are at most as many parts as keep the input within `input_share` x the transcript,
    at most `max_parts` (LLM_CONCURRENCY and the rate window) and at most MAX_PARTS; never
    fewer than the budget already needs.
    """
    needed = -(-total_tokens // max(1, budget_tokens))
    if needed < 2:
        return budget_tokens
    affordable = int((input_share - 1) * total_tokens // max(1, overhead_tokens)) - 1
    parts = max(needed, min(max_parts, affordable, MAX_PARTS))
    return min(budget_tokens, -(-total_tokens // parts))


def chunk_for_latency(
    utterances: Sequence[Utterance], budget_tokens: int, *, max_parts: int, overhead_tokens: int,
    input_share: float = INPUT_SHARE,
) -> list[Chunk]:
    """chunk_transcript at latency_budget(): about equal parts, as many as it allows.

    Cutting only between turns fills parts unevenly, so the budget is widened a little (at
    most three tries, each linear in the transcript) until the parts are no more than planned.
    """
    chunks = chunk_transcript(utterances, budget_tokens)
    total = sum(c.tokens for c in chunks)
    target = latency_budget(total, budget_tokens, max_parts=max_parts,
                            overhead_tokens=overhead_tokens, input_share=input_share)
    if len(chunks) < 2 or target >= budget_tokens:
        return chunks
    parts = -(-total // target)
    budget = min(budget_tokens, math.ceil(target * 1.02))
    for _ in range(3):
        again = chunk_transcript(utterances, budget)
        if len(again) <= parts or budget >= budget_tokens:
            return again
        budget = min(budget_tokens, math.ceil(budget * 1.05))
    return again


def _make_chunk(index: int, pending: list[tuple[str, Utterance]]) -> Chunk:
    lines = tuple(line for line, _ in pending)
    text = "\n".join(lines)
    return Chunk(index, lines, pending[0][1].start_ms, pending[-1][1].end_ms, estimate_tokens(text))


def _fit(utterance: Utterance, budget: int) -> Iterator[tuple[Utterance, str, int]]:
    """(piece, its line, its cost): the utterance itself when it fits, else its pieces.

    A line's cost counts its trailing newline, so the costs of a chunk's lines add up to at
    least the estimate of the chunk's text. Whitespace is flattened: one utterance, one line.
    """
    text = " ".join(utterance.text.split())
    if not text:
        return
    whole = Utterance(utterance.speaker, utterance.start_ms, utterance.end_ms, text)
    line = utterance_line(whole)
    cost = estimate_tokens(line + "\n")
    if cost <= budget:
        yield whole, line, cost
        return
    prefix = max(
        estimate_tokens(utterance_line(Utterance(whole.speaker, ms, ms, "")) + "\n")
        for ms in (whole.start_ms, whole.end_ms)
    )
    for start, end in _pack(text, budget - prefix):
        piece = Utterance(
            whole.speaker,
            _at(whole, start, len(text)),
            _at(whole, end, len(text)),
            text[start:end].strip(),
        )
        line = utterance_line(piece)
        yield piece, line, estimate_tokens(line + "\n")


def _pack(text: str, room: int) -> Iterator[tuple[int, int]]:
    """Spans of `text` whose estimates sum to at most `room`, cut where the units allow."""
    start, end, used = 0, 0, 0
    for unit_start, unit_end, cost in _units(text, room):
        if end > start and used + cost > room:
            yield start, end
            start, used = unit_start, 0
        end, used = unit_end, used + cost
    if end > start:
        yield start, end


def _units(text: str, room: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, cost) of each sentence, or of the words of a sentence too long alone."""
    position = 0
    for bound in [m.end() for m in _SENTENCE_END_RE.finditer(text)] + [len(text)]:
        if text[position:bound].strip():
            cost = estimate_tokens(text[position:bound] + " ")
            if cost <= room:
                yield position, bound, cost
            else:
                yield from _words(text, position, bound, room)
        position = bound


def _words(text: str, start: int, end: int, room: int) -> Iterator[tuple[int, int, int]]:
    """Words (or CJK characters), 16 at a time where they fit: rounding each word's estimate
    up on its own would waste a third of the budget."""
    words = [m.span() for m in _UNIT_RE.finditer(text, start, end)]
    for i in range(0, len(words), _WORD_GROUP):
        group = words[i : i + _WORD_GROUP]
        cost = estimate_tokens(text[group[0][0] : group[-1][1]] + " ")
        if cost <= room:
            yield group[0][0], group[-1][1], cost
        else:
            yield from ((a, b, estimate_tokens(text[a:b] + " ")) for a, b in group)


def _at(utterance: Utterance, offset: int, length: int) -> int:
    """The time at a character offset, interpolated linearly across the utterance."""
    span = max(0, utterance.end_ms - utterance.start_ms)
    return utterance.start_ms + (span * offset) // max(1, length)


def most_relevant(chunks: list[Chunk], question: str) -> str:
    """For a transcript longer than one call: the chunk sharing most words with the question."""
    words = {w for w in question.lower().split() if len(w) > 3}
    best = max(chunks, key=lambda c: sum(w in c.text.lower() for w in words))
    return best.text
