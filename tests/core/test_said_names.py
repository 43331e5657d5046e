"""Names said in a transcript: only people addressed by name, not every capitalised word."""

from __future__ import annotations

from bot.core.said_names import said_names
from bot.core.transcript import Utterance
from bot.sim.samples import sample_utterances


def said(*texts: str) -> list[str]:
    return said_names([Utterance("A", 0, 1, text) for text in texts])


def test_the_sample_stand_up_addresses_its_three_people():
    turns = [Utterance(*turn) for turn in sample_utterances()]
    assert said_names(turns) == ["Carmen", "Bob", "Alice"]  # most often addressed first


def test_a_name_opens_or_closes_a_sentence():
    assert said("Marcus, can you tag it?", "Thanks, Dana.", "Hey Priya Shah, a minute?",
                "So, Lee, what now?") == ["Marcus", "Dana", "Priya Shah", "Lee"]


def test_capitalised_openings_and_acronyms_are_not_names():
    assert said("Yesterday, I shipped it.", "Okay, fine.", "Six interviews, about forty.",
                "I'll ask IT, thanks.", "Not blocking, but close.", "Thanks, everyone.") == []


def test_bounded_and_linear():
    many = [f"Person{chr(97 + i % 26)}{chr(97 + i // 26)}, hello." for i in range(300)]
    assert len(said(*many)) == 10
    assert said(", Bob" * 50_000) == ["Bob"]  # one long sentence: read once, up to 5,000 chars
