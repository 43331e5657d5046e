"""What the LLM returns is untrusted: parsing keeps what is well-formed and nothing else."""

from __future__ import annotations

import pytest

from bot.core.parse import extract_json, llm_dict, merge_usage, recap_from_llm
from bot.core.recap import ActionItem, Evidence, Recap

REPLY = {
    "tldr": "  The team agreed to ship the beta on March 3.  ",
    "topics": [
        {"title": "Pricing", "summary": "Tiers were compared.", "start": "1:02:03",
         "speakers": ["Speaker B", "Speaker A"]},
        {"title": "Beta launch", "summary": "Dates were discussed.", "start": "00:05",
         "speakers": ["A"]},
    ],
    "action_items": [
        {"text": "Send the revised budget", "owner": "Speaker B", "due": "Friday",
         "start": "12:34", "quote": "I'll send the revised budget by Friday"},
        {"text": "Book the room", "owner": "none", "due": "", "start": "[00:40]",
         "quote": "someone should book the room"},
    ],
    "decisions": [{"text": "Ship the beta on March 3", "start": "00:20",
                   "quote": "let's ship on March 3"}],
}


def parse(data: dict, style: str = "topics", duration_ms: int = 4_000_000, **kw) -> Recap:
    return recap_from_llm(data, transcript_id="t-1", style=style, duration_ms=duration_ms, **kw)


def test_json_alone_in_prose_or_in_fences_is_found() -> None:
    assert extract_json('{"tldr": "x"}') == {"tldr": "x"}
    assert extract_json('Here you go:\n```json\n{"tldr": "x", "topics": []}\n```\nHope it helps!'
                        ) == {"tldr": "x", "topics": []}
    assert extract_json('Sure {not json} then {"tldr": "{braces} inside"} done') == {
        "tldr": "{braces} inside"}


def test_a_cut_off_reply_is_repaired_once() -> None:
    assert extract_json('```json\n{"tldr": "Budget talk", "topics": [{"title": "Bud') == {
        "tldr": "Budget talk", "topics": [{"title": "Bud"}]}


def test_a_broken_recap_is_repaired_whole_not_cut_down_to_an_inner_object() -> None:
    assert extract_json('{"tldr":"x","topics":[{"title":"t"}],}') == {
        "tldr": "x", "topics": [{"title": "t"}]}
    assert extract_json('Here it is:\n```json\n{"tldr": "x", "decisions": [{"text": "Ship"}]\n```'
                        ) == {"tldr": "x", "decisions": [{"text": "Ship"}]}
    assert extract_json("{'tldr': 'single quotes', 'topics': [{'title': 't'}]} Done.") == {
        "tldr": "single quotes", "topics": [{"title": "t"}]}


def test_braces_in_prose_or_inside_strings_do_not_hide_the_object() -> None:
    assert extract_json('Notes {draft} first. {"tldr": "a } and a {", "topics": []}') == {
        "tldr": "a } and a {", "topics": []}
    assert extract_json('{"tldr": "say \\"{hi}\\"", "topics": [],}') == {
        "tldr": 'say "{hi}"', "topics": []}


@pytest.mark.parametrize("reply", ["", "I cannot help with that.", "[1, 2, 3]", "null"])
def test_a_reply_without_an_object_is_refused(reply: str) -> None:
    with pytest.raises(ValueError, match="no JSON object"):
        extract_json(reply)


def test_a_well_formed_reply_becomes_a_recap() -> None:
    recap = parse(REPLY, speakers=["A", "B"])
    assert recap.transcript_id == "t-1" and recap.style == "topics"
    assert recap.tldr == "The team agreed to ship the beta on March 3."
    assert [(t.title, t.start_ms, t.speakers) for t in recap.topics] == [
        ("Beta launch", 5_000, ["A"]), ("Pricing", 3_723_000, ["B", "A"])]
    first, second = recap.action_items
    assert first == ActionItem("Send the revised budget", "B", "Friday", 754_000,
                               "I'll send the revised budget by Friday")
    assert (second.owner, second.due, second.start_ms) == (None, None, 40_000)
    assert recap.decisions == ["Ship the beta on March 3"]
    assert recap.decision_evidence == [Evidence(20_000, "let's ship on March 3")]
    assert recap.duration_ms == recap.covered_ms == 4_000_000


def test_the_text_is_the_rendered_markdown() -> None:
    text = parse(REPLY).text
    assert text.startswith("## TL;DR\nThe team agreed to ship the beta on March 3.")
    assert "- **[1:02:03] Pricing** (B, A) — Tiers were compared." in text
    assert "- [ ] Send the revised budget — *B*, due Friday [12:34]" in text
    assert text.endswith("_Covered 1:06:40 of 1:06:40_")


def test_times_are_clamped_into_the_recording_and_unreadable_ones_left_out() -> None:
    """An unreadable topic start takes the one before it, so topics stay in spoken order."""
    data = {"topics": [{"title": "Intro", "start": "00:10"}, {"title": "Late", "start": "9:59:59"},
                       {"title": "Garbled", "start": "soon"}],
            "action_items": [{"text": "Do it", "start": "half past"},
                             {"text": "Numbers", "start": 75}]}
    recap = parse(data, duration_ms=600_000)
    assert [(t.title, t.start_ms) for t in recap.topics] == [
        ("Intro", 10_000), ("Late", 600_000), ("Garbled", 600_000)]
    assert [a.start_ms for a in recap.action_items] == [None, 75_000]


def test_wrong_types_are_dropped_or_coerced() -> None:
    data = {"tldr": ["not", "a", "string"],
            "topics": {"title": "Budget", "start": "00:03"},
            "action_items": [None, 42, {"owner": "A"}, {"text": "  "}, "Call the vendor",
                             {"text": "Real", "owner": 7, "due": True, "quote": {"x": 1}}],
            "decisions": [{"text": "Keep Postgres", "start": None}, "Hire two engineers", 3]}
    recap = parse(data)
    assert recap.tldr == ""
    assert [t.title for t in recap.topics] == ["Budget"]
    assert [(a.text, a.owner, a.due, a.quote) for a in recap.action_items] == [
        ("Call the vendor", None, None, None), ("Real", "7", None, None)]
    assert recap.decisions == ["Keep Postgres", "Hire two engineers"]
    assert recap.decision_evidence == [Evidence(0, ""), Evidence(0, "")]


def test_strings_are_one_line_and_capped() -> None:
    data = {"tldr": "word " * 1000, "action_items": [{"text": "Line one\n\nline\ttwo\x00"}]}
    recap = parse(data)
    assert len(recap.tldr) <= 1500 and recap.tldr.endswith("word…")
    assert recap.action_items[0].text == "Line one line two"


def test_duplicates_are_merged_and_known_speakers_kept() -> None:
    data = {"topics": [{"title": "T", "speakers": ["speaker a", "Speaker Z", "A", 3]}],
            "action_items": [{"text": "Send notes"}, {"text": "send NOTES"}],
            "decisions": ["Go", "go"]}
    recap = parse(data, speakers=["A", "B"])
    assert recap.topics[0].speakers == ["A"]
    assert len(recap.action_items) == 1 and recap.decisions == ["Go"]


def test_a_style_keeps_only_its_sections() -> None:
    brief = parse(REPLY, style="brief")
    assert brief.tldr and not (brief.topics or brief.action_items or brief.decisions)
    assert "## Topics" not in brief.text
    actions = parse(REPLY, style="actions")
    assert not actions.tldr and not actions.topics
    assert actions.action_items and actions.decisions
    chapters = parse(REPLY, style="chapters")
    assert "## Chapters" in chapters.text and not chapters.action_items


def test_an_object_wrapped_in_one_key_is_unwrapped() -> None:
    assert parse({"recap": {"tldr": "Short."}}).tldr == "Short."


def test_a_parsed_recap_survives_the_cache_and_goes_back_to_the_llm_shape() -> None:
    recap = parse(REPLY)
    assert Recap.from_dict(recap.to_dict()) == recap
    again = parse(llm_dict(recap))
    assert (again.topics, again.action_items, again.decisions) == (
        recap.topics, recap.action_items, recap.decisions)


def test_usage_of_several_calls_adds_up() -> None:
    assert merge_usage({"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
                       None, {"prompt_tokens": 5, "total_tokens": 5, "details": {}}) == {
        "prompt_tokens": 15, "completion_tokens": 2, "total_tokens": 17}


@pytest.mark.parametrize("bad", ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e999",
                                 float("nan"), float("inf"), 1e308 * 10, "12:NaN", "inf:00"])
def test_nan_or_infinity_from_the_llm_is_a_missing_time(bad: object) -> None:
    data = {"tldr": "t", "topics": [{"title": "Budget", "summary": "s", "start": bad}],
            "action_items": [{"text": "Send it", "start": bad, "quote": "q"}],
            "decisions": [{"text": "Ship", "start": bad}]}
    recap = recap_from_llm(data, transcript_id="t-1", style="topics", duration_ms=600_000)
    assert recap.topics[0].start_ms == 0
    assert recap.action_items[0].start_ms is None
    assert recap.decisions == ["Ship"]


def test_nan_written_bare_in_the_json_does_not_crash() -> None:
    data = extract_json('{"tldr": "t", "topics": [{"title": "A", "start": NaN}, '
                        '{"title": "B", "start": 1e999}, {"title": "C", "start": Infinity}]}')
    recap = recap_from_llm(data, transcript_id="t-1", style="topics", duration_ms=60_000)
    assert [t.start_ms for t in recap.topics] == [0, 0, 0]
