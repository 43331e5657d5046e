"""Every action item and decision must be proven by the transcript, or it does not reach anyone."""

from __future__ import annotations

import random
import time

from bot.core.grounding import ground
from bot.core.recap import ActionItem, Evidence, Recap, Topic
from bot.core.transcript import Utterance

MEETING = [
    Utterance("A", 0, 6_000, "Welcome, everyone. Let's start with the budget."),
    Utterance("B", 6_000, 15_000, "I'll send the revised budget to Priya by Friday, okay?"),
    Utterance("A", 15_000, 24_000, "Great. So we decided to ship the beta on March 3rd."),
    Utterance("C", 24_000, 40_000, "Zoë will book the café for the offsite next week."),
    Utterance("B", 40_000, 50_000, "会議は金曜日に終わります。"),
]


def recap_with(items: list[ActionItem], decisions: list[tuple[str, Evidence | None]] = (),
               **changes) -> Recap:
    changes.setdefault("duration_ms", 50_000)
    return Recap(transcript_id="t-1", style="topics", action_items=items,
                 decisions=[d for d, _ in decisions],
                 decision_evidence=[e for _, e in decisions if e is not None], **changes)


def test_an_exact_quote_proves_its_item_whatever_the_case_and_punctuation() -> None:
    item = ActionItem("Send the budget", "B", "Friday", 6_000,
                      "i'll SEND the revised budget to Priya by friday okay")
    grounded = ground(recap_with([item]), MEETING)
    assert grounded.action_items == [item]
    assert grounded.grounding == {"checked": 1, "repaired": 0, "dropped": 0}


def test_a_near_quote_counts_and_shows_the_words_actually_said() -> None:
    item = ActionItem("Book the café", "Zoë", None, 25_000,
                      "Zoe will book a cafe for the offsite next week")
    [kept] = ground(recap_with([item]), MEETING).action_items
    assert kept.quote == "Zoë will book the café for the offsite next week."
    assert kept.owner == "Zoë"


def test_an_invented_quote_or_none_at_all_drops_the_item_and_its_line() -> None:
    items = [ActionItem("Hire ten people", "A", None, 1_000, "we will hire ten new people"),
             ActionItem("Unproven", None, None, 1_000, None),
             ActionItem("Send the budget", "B", None, 6_000, "send the revised budget")]
    decisions = [("Ship March 3", Evidence(15_000, "we decided to ship the beta on March 3rd")),
                 ("Move to Rust", Evidence(15_000, "we are rewriting everything in Rust"))]
    grounded = ground(recap_with(items, decisions), MEETING)
    assert [a.text for a in grounded.action_items] == ["Send the budget"]
    assert grounded.decisions == ["Ship March 3"]
    assert grounded.decision_evidence == [
        Evidence(15_000, "we decided to ship the beta on March 3rd")]
    assert grounded.grounding == {"checked": 5, "repaired": 0, "dropped": 3}
    assert "Hire ten people" not in grounded.text and "Move to Rust" not in grounded.text
    assert "- [ ] Send the budget — *B* [00:06]" in grounded.text


def test_decisions_without_evidence_are_dropped() -> None:
    recap = Recap(transcript_id="t", style="topics", decisions=["Ship it", "Keep it"],
                  decision_evidence=[Evidence(15_000, "ship the beta")])
    grounded = ground(recap, MEETING)
    assert grounded.decisions == ["Ship it"]
    assert grounded.grounding == {"checked": 2, "repaired": 0, "dropped": 1}


def test_times_outside_the_recording_or_far_from_the_quote_are_repaired() -> None:
    quote = "Zoë will book the café"
    items = [ActionItem("Late", None, None, 9_999_000, quote),
             ActionItem("Early", None, None, 2_000, quote),
             ActionItem("Close enough", None, None, 21_000, quote),
             ActionItem("Missing", None, None, None, quote)]
    grounded = ground(recap_with(items), MEETING)
    assert [a.start_ms for a in grounded.action_items] == [24_000, 24_000, 21_000, 24_000]
    assert grounded.grounding == {"checked": 4, "repaired": 3, "dropped": 0}


def test_only_real_people_own_items_and_speak_in_topics() -> None:
    quote = "send the revised budget"
    items = [ActionItem("a", "Bob", None, 6_000, quote),
             ActionItem("b", "Speaker B", None, 6_000, quote),
             ActionItem("c", "priya", None, 6_000, quote),
             ActionItem("d", "Speaker Q", None, 6_000, quote)]
    topics = [Topic("Budget", "", 0, ["A", "b", "Bob", "A"])]
    grounded = ground(recap_with(items, topics=topics), MEETING)
    assert [a.owner for a in grounded.action_items] == [None, "B", "priya", None]
    assert grounded.topics[0].speakers == ["A", "B"]


def test_quotes_in_scripts_without_spaces_are_found() -> None:
    grounded = ground(recap_with([ActionItem("Finish", None, None, 40_000, "金曜日に終わります")]),
                      MEETING)
    assert grounded.grounding == {"checked": 1, "repaired": 0, "dropped": 0}


def test_the_input_recap_is_left_alone() -> None:
    recap = recap_with([ActionItem("x", "Bob", None, 9_999_000, "send the revised budget")],
                       topics=[Topic("T", "", 0, ["Bob"])])
    before = recap.to_dict()
    ground(recap, MEETING)
    assert recap.to_dict() == before


def test_a_three_hour_transcript_is_checked_quickly() -> None:
    rng = random.Random(7)
    vocabulary = [f"word{n}" for n in range(3000)] + ["the", "we", "will", "to", "and"] * 400
    utterances, quotes = [], []
    for n in range(2400):  # one turn every 4.5 s for three hours, ~36k words
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 25)))
        utterances.append(Utterance("ABCD"[n % 4], n * 4_500, n * 4_500 + 4_000, text))
    for n in range(0, 2400, 24):
        said = utterances[n].text.split()
        quotes.append(" ".join(said[:-1] + ["extra"]) if n % 48 else "nobody said this at all")
    items = [ActionItem(f"item {n}", "A", None, 0, q) for n, q in enumerate(quotes)]
    started = time.perf_counter()
    grounded = ground(recap_with(items, duration_ms=10_800_000), utterances)
    assert time.perf_counter() - started < 3
    assert grounded.grounding == {"checked": 100, "repaired": 50, "dropped": 50}
    assert grounded.action_items[0].quote == utterances[24].text
