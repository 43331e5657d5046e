"""Chunking: speaker turns stay whole, every word lands in exactly one chunk, budgets hold."""

from __future__ import annotations

import random
import re

import pytest

from bot.core.chunking import (
    INPUT_SHARE,
    MAX_PARTS,
    Chunk,
    chunk_for_latency,
    chunk_transcript,
    estimate_tokens,
    latency_budget,
)
from bot.core.transcript import Utterance
from bot.sim.samples import meeting as sample_meeting

WORDS = (
    "so the budget for next quarter needs to go up because we hired three people and the "
    "launch moved to March which means marketing has to redo the plan"
).split()


def meeting(turns: int, seed: int = 7) -> list[Utterance]:
    rng = random.Random(seed)
    utterances = []
    for i in range(turns):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))).capitalize() + "."
        utterances.append(Utterance("ABC"[i % 3], i * 1000, i * 1000 + 900, text))
    return utterances


def words_of(texts: list[str]) -> list[str]:
    """The spoken words of lines like "[00:01] Speaker A: hello there", labels removed."""
    spoken = [line.split(": ", 1)[1] for text in texts for line in text.split("\n")]
    return " ".join(spoken).split()


def assert_every_word_once(utterances: list[Utterance], chunks: list[Chunk]) -> None:
    assert words_of([c.text for c in chunks]) == " ".join(u.text for u in utterances).split()


def test_empty_transcript_has_no_chunks() -> None:
    assert chunk_transcript([], 1000) == []
    assert chunk_transcript([Utterance("A", 0, 10, "   ")], 1000) == []


@pytest.mark.parametrize("budget", [0, -5])
def test_budget_below_one_is_a_mistake(budget: int) -> None:
    with pytest.raises(ValueError):
        chunk_transcript(meeting(3), budget)


def test_short_meeting_is_one_chunk_of_readable_lines() -> None:
    utterances = [
        Utterance("A", 0, 4_000, "Morning everyone, shall we start?"),
        Utterance("B", 4_000, 9_500, "Yes. First item is the budget."),
        Utterance("Priya", 65_000, 70_000, "I have the numbers."),
    ]
    [chunk] = chunk_transcript(utterances, 10_000)
    assert chunk.text == (
        "[00:00] Speaker A: Morning everyone, shall we start?\n"
        "[00:04] Speaker B: Yes. First item is the budget.\n"
        "[01:05] Priya: I have the numbers."
    )
    assert (chunk.index, chunk.start_ms, chunk.end_ms) == (0, 0, 70_000)
    assert chunk.tokens == estimate_tokens(chunk.text)


def test_chunks_break_only_between_speaker_turns() -> None:
    utterances = meeting(200)
    chunks = chunk_transcript(utterances, 300)
    assert len(chunks) > 5
    lines = [line for c in chunks for line in c.lines]
    assert len(lines) == len(utterances)  # no turn was cut in two
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(c.tokens <= 300 for c in chunks)
    assert_every_word_once(utterances, chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.end_ms <= after.start_ms


def test_chunks_are_filled_greedily() -> None:
    chunks = chunk_transcript(meeting(300), 500)
    for chunk, following in zip(chunks, chunks[1:], strict=False):
        # The next chunk's first line would not have fitted (each line counted with its newline).
        lines = [*chunk.lines, following.lines[0]]
        assert sum(estimate_tokens(line + "\n") for line in lines) > 500


def test_one_giant_utterance_is_cut_at_sentences_and_keeps_its_speaker() -> None:
    sentences = [f"Point number {i} is that the launch slips by a week." for i in range(400)]
    monologue = Utterance("B", 60_000, 660_000, " ".join(sentences))
    chunks = chunk_transcript([monologue], 200)
    assert len(chunks) > 10
    assert all(c.tokens <= 200 for c in chunks)
    for line in (line for c in chunks for line in c.lines):
        assert re.match(r"\[\d\d:\d\d\] Speaker B: Point number \d+ is", line)
        assert line.endswith("week.")  # whole sentences
    # Times are interpolated through the utterance, in order, within its span.
    starts = [c.start_ms for c in chunks]
    assert starts[0] == 60_000 and starts == sorted(starts) and starts[-1] < 660_000
    assert chunks[-1].end_ms == 660_000
    assert_every_word_once([monologue], chunks)


def test_a_sentence_longer_than_the_budget_is_cut_between_words() -> None:
    run_on = Utterance("A", 0, 1_000, " ".join(f"word{i}" for i in range(500)))
    chunks = chunk_transcript([run_on], 60)
    assert len(chunks) > 10
    assert all(c.tokens <= 60 for c in chunks)
    assert_every_word_once([run_on], chunks)


def test_captions_without_punctuation_still_fill_their_chunks() -> None:
    captions = Utterance("Unknown", 0, 3_600_000, " ".join(WORDS * 200))
    chunks = chunk_transcript([captions], 500)
    assert all(0.85 * 500 <= c.tokens <= 500 for c in chunks[:-1])
    assert_every_word_once([captions], chunks)


def test_quoted_sentence_ends_are_sentence_ends() -> None:
    text = 'She said "ship it." Then we shipped it. ' * 40
    chunks = chunk_transcript([Utterance("A", 0, 1_000, text)], 80)
    assert all(c.lines[-1].endswith(("it.", 'it."')) for c in chunks)


def test_a_single_word_longer_than_the_budget_goes_alone() -> None:
    huge = "x" * 400
    chunks = chunk_transcript([Utterance("A", 0, 1, f"hi {huge} bye")], 30)
    assert [line.split(": ", 1)[1] for c in chunks for line in c.lines] == ["hi", huge, "bye"]
    assert [c.tokens <= 30 for c in chunks] == [True, False, True]


def test_unicode_cjk_and_emoji_survive_whole() -> None:
    utterances = [
        Utterance(
            "A", 0, 5_000, "会議を始めましょう。予算について話します。来週までに決めます。" * 20
        ),
        Utterance("B", 5_000, 9_000, "Ça marche 👍🏽 — on en reparle demain, d’accord ? 🎉" * 10),
        Utterance("C", 9_000, 12_000, "Сроки сдвигаются на неделю. Бюджет утверждён."),
    ]
    chunks = chunk_transcript(utterances, 120)
    assert all(c.tokens <= 120 for c in chunks)
    joined = "".join(line.split(": ", 1)[1] for c in chunks for line in c.lines)
    assert joined.replace(" ", "") == "".join(u.text for u in utterances).replace(" ", "")


def test_cjk_without_punctuation_is_cut_between_characters() -> None:
    text = "我们今天讨论预算问题" * 100
    chunks = chunk_transcript([Utterance("A", 0, 1_000, text)], 50)
    assert all(c.tokens <= 50 for c in chunks)
    assert "".join(line.split(": ", 1)[1] for c in chunks for line in c.lines) == text


def test_line_breaks_inside_an_utterance_become_one_line() -> None:
    [chunk] = chunk_transcript([Utterance("A", 0, 1, "first line\n\nsecond\tline ")], 100)
    assert chunk.lines == ("[00:00] Speaker A: first line second line",)


def test_a_ten_hour_meeting_chunks_whole() -> None:
    """(How fast is bench/'s business: timing never decides a test.)"""
    utterances = meeting(36_000)
    chunks = chunk_transcript(utterances, 24_000)
    assert 10 < len(chunks) < 100
    assert all(c.tokens <= 24_000 for c in chunks)
    assert sum(len(c.lines) for c in chunks) == 36_000
    assert chunks[-1].end_ms == utterances[-1].end_ms


@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        ("", 0),
        ("hello", 1),
        ("The quick brown fox jumps over the lazy dog.", 10),  # ~10 tokens in real tokenizers
        ("[12:34] Speaker A: ok", 8),  # brackets, digits and colons are tokens of their own
        ("你好世界", 4),
        ("👍🎉", 4),
    ],
)
def test_estimate_is_on_the_high_side(text: str, at_least: int) -> None:
    assert estimate_tokens(text) >= at_least
    assert estimate_tokens(text) == estimate_tokens(text)


def test_estimate_of_joined_lines_is_at_most_the_sum_of_their_estimates() -> None:
    lines = ["[00:01] Speaker A: Hi, 123456 ok!", "[00:02] 李: 你好 👋", "x_y", "Ça va?"]
    assert estimate_tokens("\n".join(lines)) <= sum(estimate_tokens(f"{ln}\n") for ln in lines)


# -- chunking for latency -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("total", "budget", "max_parts", "overhead", "expected"),
    [
        (10_000, 24_000, 30, 700, 24_000),  # fits one call: no reduce, no split
        (40_000, 24_000, 30, 700, 5_715),  # 2 needed; 0.15 x 40k / 700 - 1 = 7 affordable
        (40_000, 24_000, 4, 700, 10_000),  # LLM_CONCURRENCY / the rate window caps it
        (40_000, 24_000, 30, 5_000, 20_000),  # expensive parts: only what the budget needs
        (400_000, 24_000, 30, 700, 23_530),  # 17 needed: more than MAX_PARTS, all kept
        (200_000, 24_000, 30, 10, 200_000 // MAX_PARTS),  # never more than MAX_PARTS
    ],
)
def test_latency_budget(total, budget, max_parts, overhead, expected):
    assert latency_budget(total, budget, max_parts=max_parts, overhead_tokens=overhead) == expected


def test_a_long_transcript_is_cut_in_about_equal_parts_within_the_input_budget():
    turns = [Utterance(*u) for u in sample_meeting(180, speakers=5, seed=7)]
    plain = chunk_transcript(turns, 24_000)
    total = sum(c.tokens for c in plain)
    parts = chunk_for_latency(turns, 24_000, max_parts=29, overhead_tokens=700)
    assert len(plain) == 2 and len(parts) == 7
    assert (len(parts) + 1) * 700 <= (INPUT_SHARE - 1) * total  # the extra input stays in budget
    assert max(c.tokens for c in parts) <= 1.1 * total / len(parts)
    assert [u for c in parts for u in c.lines] == [u for c in plain for u in c.lines]


def test_a_transcript_that_fits_one_call_stays_whole():
    turns = [Utterance(*u) for u in sample_meeting(30, seed=2)]
    assert len(chunk_for_latency(turns, 24_000, max_parts=29, overhead_tokens=700)) == 1
