"""Proves every action item and decision against the transcript before anyone reads it.

Pure: standard library and bot.core. An item stays only if its quote occurs in the transcript
(case, spacing, punctuation and accents aside), exactly or as a near match (similarity >=
SIMILARITY over a window found through a word index, so a 3-hour transcript costs
milliseconds). Its time is moved to the quote's utterance when it lies elsewhere; an owner
stays only if the transcript knows that person; topic speakers only if they spoke.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from bot.core.markdown import recap_markdown
from bot.core.recap import ActionItem, Evidence, Recap
from bot.core.transcript import Utterance

SIMILARITY = 0.85
TOLERANCE_MS = 5000
_SPEAKER_PREFIX = re.compile(r"^speaker\s+", re.IGNORECASE)


_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Casefolded words without accents or punctuation ("Zoë's" -> "zoes")."""
    if text.isascii():  # nothing to fold: 3x faster, and the index calls this per token
        return _WORD.findall(text.lower().replace("'", ""))
    folded = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(bare.replace("'", "").replace("’", ""))


@dataclass
class _Index:
    """The transcript as one word sequence, each word traced to its utterance and token."""

    utterances: Sequence[Utterance]
    words: list[str] = field(default_factory=list)
    origin: list[tuple[int, int]] = field(default_factory=list)  # (utterance, token) per word
    offsets: list[int] = field(default_factory=list)  # where each word starts in `joined`
    positions: dict[str, list[int]] = field(default_factory=dict)
    joined: str = " "

    def __post_init__(self) -> None:
        for u_index, u in enumerate(self.utterances):
            for t_index, token in enumerate(u.text.split()):
                for w in words(token):
                    self.positions.setdefault(w, []).append(len(self.words))
                    self.words.append(w)
                    self.origin.append((u_index, t_index))
        at = 1
        for w in self.words:
            self.offsets.append(at)
            at += len(w) + 1
        self.joined = " " + " ".join(self.words) + " "

    def find(self, quote: str) -> tuple[int, int, bool] | None:
        """The word span [i, j) the quote was said in, and whether it matched exactly."""
        q = words(quote)
        if not q:
            return None
        needle = " ".join(q)
        at = self.joined.find(f" {needle} ")
        if at >= 0:
            i = bisect_left(self.offsets, at + 1)
            return i, i + len(q), True
        unspaced = any(ord(c) >= 0x2E80 for c in needle)  # CJK: words are not space-separated
        at = self.joined.find(needle) if unspaced else -1
        if at >= 0:
            return (bisect_right(self.offsets, at) - 1,
                    bisect_right(self.offsets, at + len(needle) - 1), True)
        return self._near(q, needle)

    def _near(self, q: list[str], needle: str) -> tuple[int, int, bool] | None:
        """Best window around starts voted for by the quote's rarest words, if similar enough."""
        votes: Counter[int] = Counter()
        rare = sorted({w for w in q if w in self.positions}, key=lambda w: len(self.positions[w]))
        for w in rare[: max(3, len(q) // 2)]:
            for j in (j for j, qw in enumerate(q) if qw == w):
                votes.update(p - j for p in self.positions[w])
        best: tuple[float, int, int] = (0.0, 0, 0)
        for start, _ in votes.most_common(5):
            lo, hi = max(0, start - 3), min(len(self.words), start + len(q) + 3)
            blocks = [b for b in SequenceMatcher(None, q, self.words[lo:hi],
                                                 autojunk=False).get_matching_blocks() if b.size]
            if not blocks:
                continue
            i = max(0, lo + blocks[0].b - blocks[0].a)
            last = blocks[-1]
            j = min(len(self.words), lo + last.b + last.size + len(q) - last.a - last.size)
            score = SequenceMatcher(None, needle, " ".join(self.words[i:j]),
                                    autojunk=False).ratio()
            best = max(best, (score, i, j))
        score, i, j = best
        return (i, j, False) if score >= SIMILARITY and j > i else None

    def said(self, i: int, j: int) -> str:
        """The transcript's own words for span [i, j), punctuation and case as spoken."""
        pieces: list[str] = []
        (u0, t0), (u1, t1) = self.origin[i], self.origin[j - 1]
        for u in range(u0, u1 + 1):
            tokens = self.utterances[u].text.split()
            pieces += tokens[t0 if u == u0 else 0: t1 + 1 if u == u1 else len(tokens)]
        return " ".join(pieces)


def ground(recap: Recap, utterances: Sequence[Utterance]) -> Recap:
    """A copy of `recap` with only proven items, repaired times and real people.

    Sets `grounding` = {"checked", "repaired", "dropped"} and re-renders `text`.
    """
    index = _Index(utterances)
    labels = {u.speaker.casefold(): u.speaker for u in utterances}
    known = set(index.positions) | {w for label in labels for w in words(label)}
    duration = recap.duration_ms or max((u.end_ms for u in utterances), default=0)
    out = copy.deepcopy(recap)
    counts = {"checked": 0, "repaired": 0, "dropped": 0}

    def locate(quote: str | None, start_ms: int | None) -> tuple[str, int] | None:
        """(quote, start_ms) once proven, else None; counts what it checks and repairs."""
        counts["checked"] += 1
        span = index.find(quote) if quote else None
        if span is None:
            counts["dropped"] += 1
            return None
        i, j, exact = span
        first, last = utterances[index.origin[i][0]], utterances[index.origin[j - 1][0]]
        end = max(last.end_ms, last.start_ms)
        if start_ms is None or not (max(0, first.start_ms - TOLERANCE_MS) <= start_ms
                                    <= min(end + TOLERANCE_MS, duration or end)):
            counts["repaired"] += 1
            start_ms = first.start_ms
        return (quote if exact else index.said(i, j)) or "", start_ms

    def owner(name: str | None) -> str | None:
        label = _SPEAKER_PREFIX.sub("", name or "").strip()
        if label.casefold() in labels:
            return labels[label.casefold()]
        named = words(name or "")
        return name if named and label == name and all(w in known for w in named) else None

    items: list[ActionItem] = []
    for a in out.action_items:
        if found := locate(a.quote, a.start_ms):
            items.append(ActionItem(a.text, owner(a.owner), a.due, found[1], found[0]))
    decisions: list[str] = []
    proofs: list[Evidence] = []
    padded = out.decision_evidence + [None] * (len(out.decisions) - len(out.decision_evidence))
    for text, proof in zip(out.decisions, padded, strict=False):
        if found := locate(proof.quote if proof else None, proof.start_ms if proof else None):
            decisions.append(text)
            proofs.append(Evidence(found[1], found[0]))
    for t in out.topics:
        t.speakers = list(dict.fromkeys(labels[s.casefold()] for s in t.speakers
                                        if s.casefold() in labels))
        t.start_ms = min(max(0, t.start_ms), duration) if duration else max(0, t.start_ms)

    out.action_items, out.decisions, out.decision_evidence = items, decisions, proofs
    out.grounding = counts
    out.text = recap_markdown(out)
    return out
