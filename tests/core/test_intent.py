"""Which replies in a recap's thread Recap answers: questions, requests to it, @mentions."""

from __future__ import annotations

import pytest

from bot.core.intent import is_addressed

ADDRESSED = [
    "what did we decide about the budget",
    "Who owns the launch?",
    "list the action items",
    "Summarize the part about hiring",
    "can you make it shorter",
    "Could you translate it to Spanish",
    "tell me what Bob said",
    "show the decisions",
    "give me a table of owners",
    "When is the deadline",
    "Recap, explain the pricing change",
    "please list who spoke",
    "any action items for me",
    "did anyone mention the offsite",
    "is there a due date",
    "the budget?",
    "  WHY was it delayed  ",
    "hey recap what about marketing",
    "ok, so what was decided",
    "Make it a bullet list",
    "translate to French",
    "How long was the meeting",
]
CHATTER = [
    "thanks!",
    "Thank you",
    "see you tomorrow",
    "lol",
    "+1",
    "great meeting",
    "nice",
    "👍",
    "",
    "   ",
    "ok",
    "sounds good, I'll send it later",
    "Bob, can you book the room",
    "I think the list was long",
    "what a day!",
]


@pytest.mark.parametrize("text", ADDRESSED)
def test_questions_and_requests_are_answered(text: str) -> None:
    assert is_addressed(text, mentioned=False)


@pytest.mark.parametrize("text", CHATTER)
def test_chatter_is_not_answered(text: str) -> None:
    assert not is_addressed(text, mentioned=False)


@pytest.mark.parametrize("text", CHATTER)
def test_an_at_mention_is_always_answered(text: str) -> None:
    assert is_addressed(text, mentioned=True)


@pytest.mark.timeout(10)
def test_a_huge_reply_is_read_in_linear_time() -> None:
    assert not is_addressed("lol " * 100_000, mentioned=False)
    assert is_addressed("what " + "?" * 200_000, mentioned=False)
    assert not is_addressed("a" * 200_000 + " b", mentioned=False)
