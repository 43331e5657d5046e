"""People, not letters: talk time from the utterances, renames people type, names in a recap."""

from __future__ import annotations

import pytest

from bot.core.parse import recap_from_llm
from bot.core.speakers import (
    display,
    named_recap,
    named_utterances,
    parse_renames,
    parse_speakers_option,
    talk_stats,
)
from bot.core.transcript import Utterance

UTTERANCES = (
    Utterance("A", 0, 41_000, "Let's start. Carmen, can you send the draft?"),
    Utterance("B", 41_000, 76_000, "Sure. By Friday?"),
    Utterance("C", 76_000, 100_000, "Friday works. Who owns the budget?"),
)


def test_talk_time_share_and_questions_come_from_the_utterances() -> None:
    stats = talk_stats(UTTERANCES)
    assert [(s["label"], s["name"], s["talk_ms"], s["share"], s["questions"]) for s in stats] == [
        ("A", "Speaker A", 41_000, 41, 1), ("B", "Speaker B", 35_000, 35, 1),
        ("C", "Speaker C", 24_000, 24, 1)]
    assert talk_stats(UTTERANCES, {"A": "Priya"})[0]["name"] == "Priya"


@pytest.mark.parametrize("text, expected", [
    ("A is Priya Shah, B is Marcus", {"A": "Priya Shah", "B": "Marcus"}),
    ("Speaker C is Dana", {"C": "Dana"}),
    ("C = Dana", {"C": "Dana"}),
    ("a is Priya and b is Marcus", {"A": "Priya", "B": "Marcus"}),
    ("A=Priya Shah; B: Marcus Lee.", {"A": "Priya Shah", "B": "Marcus Lee"}),
    ("Z is Nobody", {}),  # the recording has no speaker Z
    ("what did A say?", {}),
])
def test_renames_people_type(text: str, expected: dict[str, str]) -> None:
    assert parse_renames(text, ["A", "B", "C"]) == expected


def test_a_long_line_of_labels_parses_at_once() -> None:
    assert parse_renames("A = " * 100_000, ["A"]) in ({}, {"A": "A"})  # bounded, no backtracking


def test_the_cli_option() -> None:
    assert parse_speakers_option("A=Priya Shah, B = Marcus ,junk") == {
        "A": "Priya Shah", "B": "Marcus"}


def test_names_replace_labels_everywhere_in_a_stored_recap() -> None:
    recap = recap_from_llm({
        "tldr": "Speaker A asked Speaker B for the draft; Speaker C owns nothing.",
        "topics": [{"title": "Draft", "summary": "Speaker B sends it", "start": "00:00",
                    "speakers": ["A", "Speaker B"]}],
        "action_items": [{"text": "Send the draft", "owner": "B", "due": "Friday"}],
        "decisions": ["Speaker A decides Friday"],
    }, transcript_id="t1", style="topics", duration_ms=100_000, speakers=["A", "B", "C"])
    recap.speakers = talk_stats(UTTERANCES)
    named = named_recap(recap, {"A": "Priya Shah", "B": "Marcus"})
    assert named.tldr == "Priya Shah asked Marcus for the draft; Speaker C owns nothing."
    assert named.topics[0].speakers == ["Priya Shah", "Marcus"]
    assert named.topics[0].summary == "Marcus sends it"
    assert named.action_items[0].owner == "Marcus"
    assert named.decisions == ["Priya Shah decides Friday"]
    assert "Speakers: Priya Shah 41 % · Marcus 35 % · Speaker C 24 %" in named.text
    assert "Speaker A" not in named.text and "Speaker C" in named.text
    assert recap.tldr.startswith("Speaker A")  # the stored recap itself is unchanged


def test_a_transcript_reads_with_names_and_unnamed_speakers_keep_their_label() -> None:
    lines = named_utterances(UTTERANCES, {"A": "Priya"})
    assert [u.speaker for u in lines] == ["Priya", "B", "C"]
    assert display("C") == "Speaker C" and display("Dana") == "Dana"
