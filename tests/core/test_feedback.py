"""The feedback blocks, the values they carry and the tally, as plain data."""

from __future__ import annotations

import re

import pytest

from bot.core.feedback import (
    ACTION_PATTERN,
    Rated,
    Tally,
    feedback_block,
    has_context_actions,
    parse_vote,
    plain_feedback,
    plain_feedback_block,
    tally_lines,
    tally_summary,
)
from bot.sim.slack.blocks import check_blocks

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "the answer"}}


def test_the_feedback_block_is_slacks_context_actions_with_feedback_buttons() -> None:
    block = feedback_block("recap", 7)
    assert block["type"] == "context_actions"
    [element] = block["elements"]
    assert element["type"] == "feedback_buttons" and element["action_id"] == "feedback"
    assert element["positive_button"]["value"] == "up:recap:7"
    assert element["negative_button"]["value"] == "down:recap:7"
    assert element["positive_button"]["text"] == {"type": "plain_text", "text": "👍"}
    assert all(len(element[s]["accessibility_label"]) <= 75
               for s in ("positive_button", "negative_button"))
    assert check_blocks([SECTION, block]) == []


def test_the_plain_fallback_is_two_buttons_with_the_same_values() -> None:
    block = plain_feedback_block("answer", 3)
    assert block["type"] == "actions"
    assert [(b["type"], b["action_id"], b["value"]) for b in block["elements"]] == [
        ("button", "feedback:up", "up:answer:3"), ("button", "feedback:down", "down:answer:3")]
    assert all(re.match(ACTION_PATTERN, b["action_id"]) for b in block["elements"])
    assert re.match(ACTION_PATTERN, "feedback") and not re.match(ACTION_PATTERN, "feedbacks")
    assert check_blocks([SECTION, block], refused=["context_actions"]) == []


def test_plain_feedback_swaps_only_the_context_actions_block() -> None:
    blocks = [SECTION, feedback_block("recap", 9)]
    assert has_context_actions(blocks) and not has_context_actions([SECTION])
    swapped = plain_feedback(blocks)
    assert swapped == [SECTION, plain_feedback_block("recap", 9)]
    assert not has_context_actions(swapped) and blocks[1]["type"] == "context_actions"
    empty = {"type": "context_actions", "elements": [{"type": "icon_button"}]}
    assert plain_feedback([SECTION, empty]) == [SECTION]


@pytest.mark.parametrize(("value", "rated"), [
    ("up:recap:7", Rated("up", "recap", 7)),
    ("down:answer:0", Rated("down", "answer", 0)),
    ("sideways:recap:7", None), ("up:poem:7", None), ("up:recap:x", None), ("up:recap", None),
    ("up:recap:7:8", None), ("", None), ("up:recap:" + "9" * 40, None), ("up:recap:-1", None),
])
def test_a_value_is_read_only_when_recap_could_have_sent_it(value: str,
                                                           rated: Rated | None) -> None:
    assert parse_vote(value) == rated


def test_the_tally_counts_by_kind_and_style() -> None:
    summary = tally_summary([Tally("recap", "topics", "up", 3), Tally("recap", "topics", "down", 1),
                             Tally("answer", "topics", "up", 2), Tally("recap", "x", "left", 5)])
    assert summary == {"up": 5, "down": 1, "by": {"answer topics": {"up": 2, "down": 0},
                                                   "recap topics": {"up": 3, "down": 1}}}
    lines = tally_lines(summary, 30)
    assert lines[0] == "Feedback (last 30 days): 5 👍 · 1 👎 (83 % helpful)"
    assert "  recap topics: 3 👍 · 1 👎" in lines
    assert tally_lines(tally_summary([]), 30) == ["Feedback (last 30 days): no votes yet"]
