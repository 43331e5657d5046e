"""What people see: markdown, terminal text and Slack messages that stay inert and within limits."""

from __future__ import annotations

import json
import re

from slack_sdk.models.blocks import Block

from bot.core.block_kit import escape_mrkdwn, fallback_text, pack, split_text
from bot.core.markdown import recap_markdown, recap_terminal, transcript_txt
from bot.core.prompts import STYLES
from bot.core.recap import ActionItem, Evidence, Recap, Topic
from bot.core.render import (
    MAX_MESSAGES,
    MESSAGE_CHARS,
    SlackMessage,
    answer_blocks,
    help_text,
    recap_messages_blocks,
    status_blocks,
)
from bot.core.transcript import Utterance

HOSTILE = "<!channel> <@U123> <https://evil.example|click> @here"


def sample(**changes) -> Recap:
    recap = Recap(
        transcript_id="t-1", style="topics", duration_ms=8_045_000, covered_ms=8_045_000,
        tldr="We agreed to ship the beta on March 3.",
        topics=[Topic("Beta launch", "Dates and risks.", 5_000, ["A", "B"]),
                Topic("Pricing", "Two tiers.", 3_723_000, ["B"])],
        action_items=[ActionItem("Send the budget", "Priya", "Friday", 754_000,
                                 "I'll send the budget by Friday"),
                      ActionItem("Book a room", None, None, None, None)],
        decisions=["Ship on March 3"], decision_evidence=[Evidence(20_000, "let's ship March 3")],
    )
    for key, value in changes.items():
        setattr(recap, key, value)
    return recap


def valid(blocks: list[dict]) -> list[dict]:
    """Every block parses and passes slack_sdk's own limit checks."""
    assert len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
    return blocks


def sections(messages: list[SlackMessage]) -> list[str]:
    return [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]


def test_markdown_has_each_section_with_times_speakers_owners_and_coverage() -> None:
    assert recap_markdown(sample()) == "\n".join([
        "## TL;DR", "We agreed to ship the beta on March 3.", "",
        "## Topics",
        "- **[00:05] Beta launch** (A, B) — Dates and risks.",
        "- **[1:02:03] Pricing** (B) — Two tiers.", "",
        "## Action items",
        "- [ ] Send the budget — *Priya*, due Friday [12:34]",
        "- [ ] Book a room", "",
        "## Decisions", "- Ship on March 3 [00:20]", "",
        "_Covered 2:14:05 of 2:14:05_"])


def test_markdown_shows_only_what_the_style_filled() -> None:
    brief = sample(style="brief", topics=[], action_items=[], decisions=[])
    assert recap_markdown(brief).split("\n\n") == [
        "## TL;DR\nWe agreed to ship the beta on March 3.", "_Covered 2:14:05 of 2:14:05_"]
    chapters = recap_markdown(sample(style="chapters", tldr="", action_items=[], decisions=[]))
    assert chapters.startswith("## Chapters\n- **[00:05] Beta launch**")
    empty = sample(style="actions", tldr="", topics=[], action_items=[], decisions=[])
    assert "_No action items or decisions were found._" in recap_markdown(empty)


def test_terminal_text_is_plain_with_quotes_to_check() -> None:
    text = recap_terminal(sample())
    assert "  [1:02:03] Pricing (B)\n      Two tiers." in text
    assert "  [ ] Send the budget — Priya, due Friday [12:34]\n      “I'll send" in text
    assert "**" not in text and text.endswith("Covered 2:14:05 of 2:14:05\n")


def test_escaping_makes_mentions_and_links_inert() -> None:
    assert escape_mrkdwn("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    inert = escape_mrkdwn(HOSTILE)
    assert "<" not in inert and ">" not in inert and "@here" not in inert
    assert fallback_text("Q&A\n<!here>") == "Q&amp;A &lt;!here&gt;"


def test_a_recap_message_reads_top_to_bottom() -> None:
    [message] = recap_messages_blocks(sample(grounding={"checked": 3, "repaired": 1,
                                                        "dropped": 2}),
                                      job_id=42, file_name="standup.mp4", model="claude-sonnet-4-6")
    blocks = valid(message.blocks)
    assert message.text == "Recap of standup.mp4: We agreed to ship the beta on March 3."
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "context",
                                           "section", "section", "context", "context", "actions"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Recap: standup.mp4 (2:14:05)"}
    assert blocks[1]["text"]["text"] == "*TL;DR*\nWe agreed to ship the beta on March 3."
    assert blocks[2]["text"]["text"] == ("*Topics*\n*[00:05] Beta launch* (A, B)\nDates and "
                                         "risks.\n\n*[1:02:03] Pricing* (B)\nTwo tiers.")
    assert blocks[3]["text"]["text"] == ("*Action items*\n• Send the budget — *Priya*, "
                                         "due Friday [12:34]")
    assert blocks[4]["elements"][0]["text"] == "“I'll send the budget by Friday”"
    assert blocks[5]["text"]["text"] == "• Book a room"
    assert blocks[6]["text"]["text"] == "*Decisions*\n• Ship on March 3 [00:20]"
    footer = [e["text"] for e in blocks[8]["elements"]]
    assert footer == ["Covered 2:14:05 of 2:14:05 · claude-sonnet-4-6 · AI-generated, "
                      "check important details",
                      "2 items without evidence in the transcript were dropped"]


def test_the_buttons_restyle_fetch_the_transcript_and_forget_after_a_confirmation() -> None:
    [message] = recap_messages_blocks(sample(style="brief"), job_id=42, file_name="a.mp3",
                                      model="m")
    buttons = message.blocks[-1]["elements"]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [
        ("restyle:topics", "Topics"), ("restyle:bullets", "Bullets"),
        ("restyle:actions", "Action items"), ("restyle:chapters", "Chapters"),
        ("transcript", "Transcript"), ("my_items", "My items"), ("forget", "Forget")]
    assert {b["value"] for b in buttons} == {"42"}
    forget = buttons[-1]
    assert forget["style"] == "danger"
    assert forget["confirm"]["title"]["text"] == "Forget this recording?"
    assert forget["confirm"]["confirm"]["text"] == "Forget"


def test_a_recap_with_instructions_can_go_back_to_its_plain_style() -> None:
    [message] = recap_messages_blocks(sample(instructions="Only pricing <!here>"), job_id=1,
                                      file_name="a.mp3", model="m")
    ids = [b["action_id"] for b in message.blocks[-1]["elements"]]
    assert ids[:5] == [f"restyle:{name}" for name in STYLES]
    assert message.blocks[-2]["elements"][-1]["text"] == "Instructions: Only pricing &lt;!here&gt;"


def test_judge_doubts_are_listed_under_the_recap() -> None:
    doubts = [f"Claim {n}" for n in range(7)]
    recap = sample(judge={"hallucinations": doubts, "accurate": False, "missing": []})
    [message] = recap_messages_blocks(recap, job_id=1, file_name="a.mp3", model="m")
    warning = message.blocks[-2]["elements"][-1]["text"]
    assert warning.startswith(":warning: A second check could not find these in the recording: ")
    assert "“Claim 0”; “Claim 1”" in warning and warning.endswith("“Claim 4” and 2 more")


def test_nothing_the_llm_or_the_file_name_says_can_ping_or_link() -> None:
    recap = sample(tldr=HOSTILE, topics=[Topic(HOSTILE, HOSTILE, 0, [HOSTILE])],
                   action_items=[ActionItem(HOSTILE, HOSTILE, HOSTILE, 0, HOSTILE)],
                   decisions=[HOSTILE], decision_evidence=[Evidence(0, HOSTILE)],
                   judge={"hallucinations": [HOSTILE]})
    messages = recap_messages_blocks(recap, job_id=1, file_name=f"{HOSTILE}.mp3", model=HOSTILE)
    messages_json = json.dumps([m._asdict() for m in messages], ensure_ascii=False)
    assert not re.search(r"<[!@#]|<https?:|\|click>|(?<!\u200b)@here", messages_json)
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt;" in messages_json
    answer_json = json.dumps(answer_blocks(HOSTILE) + status_blocks(HOSTILE))
    assert "<!" not in answer_json and "<@" not in answer_json and "<http" not in answer_json


def test_a_long_recap_splits_into_messages_and_loses_nothing() -> None:
    recap = sample(
        topics=[Topic(f"Topic {n}", ("word " * 100).strip(), n * 60_000, ["A"]) for n in range(60)],
        action_items=[ActionItem(f"Item {n}", "B", None, n * 1000, "as said") for n in range(30)])
    messages = recap_messages_blocks(recap, job_id=9, file_name="long.mp3", model="m")
    assert len(messages) == 4
    for message in messages:
        valid(message.blocks)
        assert len(json.dumps(message.blocks, ensure_ascii=False)) <= MESSAGE_CHARS
    assert messages[1].text == "Recap of long.mp3 (continued, 2 of 4)"
    everything = "\n".join(sections(messages))
    assert all(f"*[{n}:00] Topic {n}*" in everything for n in range(10, 60))
    assert all(f"• Item {n} — *B*" in everything for n in range(30))
    assert [m.blocks[-1]["type"] for m in messages].count("actions") == 1
    assert messages[-1].blocks[-1]["type"] == "actions"


def test_a_huge_recap_stays_within_every_limit_and_does_not_flood_the_thread() -> None:
    recap = sample(
        tldr="Long. " * 2000,
        topics=[Topic(f"Topic {n}", ("word " * 2000).strip(), n * 1000, ["A"]) for n in range(200)],
        action_items=[ActionItem(f"Item {n} " + "x" * 3000, "B", "soon", n, "q " * 400)
                      for n in range(60)],
        decisions=[f"Decision {n}" for n in range(60)])
    messages = recap_messages_blocks(recap, job_id=9, file_name="f" * 300 + ".mp3", model="m")
    assert len(messages) == MAX_MESSAGES
    for message in messages:
        valid(message.blocks)
        assert len(json.dumps(message.blocks, ensure_ascii=False)) <= MESSAGE_CHARS
        assert 0 < len(message.text) <= 3000
    assert len(messages[0].blocks[0]["text"]["text"]) == 150
    assert sections(messages)[0].startswith("*TL;DR*\nLong. Long.")
    last = messages[-1].blocks
    assert [b["type"] for b in last[-3:]] == ["section", "context", "actions"]
    assert last[-3]["text"]["text"].startswith("_The rest of this recap (")


def test_status_messages_offer_a_retry_only_when_failed() -> None:
    assert valid(status_blocks("Transcribing call.mp3…", job_id=3)) == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Transcribing call.mp3…"}}]
    failed = valid(status_blocks("AssemblyAI could not read <file>.", job_id=3, failed=True))
    assert failed[0]["text"]["text"] == "AssemblyAI could not read &lt;file&gt;."
    [retry] = failed[1]["elements"]
    assert (retry["action_id"], retry["value"], retry["text"]["text"]) == ("retry", "3", "Retry")


def test_an_answer_is_markdown_for_slack_to_render_with_a_note_that_it_is_ai_generated() -> None:
    markdown = ("## Owners\n**Priya** sends it [12:34].\n- one\n\n"
                "| who | what |\n|---|---|\n| A | R&D |")
    blocks = valid(answer_blocks(markdown))
    assert blocks[0] == {"type": "markdown", "text": markdown.replace("&", "&amp;")}
    assert blocks[-1]["elements"][0]["text"].startswith("AI-generated")


def test_an_answer_can_neither_ping_nor_hide_a_link_behind_a_label() -> None:
    [block, _] = valid(answer_blocks(f"{HOSTILE} [your bonus](https://evil.example) ![x](y)"))
    assert block["text"] == ("&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; "
                             "@\u200bhere [your bonus]\u200b(https://evil.example) ![x]\u200b(y)")


def test_a_very_long_answer_is_cut_to_one_message() -> None:
    blocks = valid(answer_blocks("A sentence of the answer.\n" * 5000))
    assert len(json.dumps(blocks)) <= MESSAGE_CHARS
    assert blocks[0]["text"].endswith(" of the…\n\n_(the answer was cut short)_")


def test_help_lists_every_style() -> None:
    text = help_text(STYLES)
    for style in STYLES.values():
        assert f"`{style.name}`: {style.description}" in text
    assert help_text(list(STYLES.values())) == text


def test_the_transcript_file_is_speaker_labelled_lines() -> None:
    assert transcript_txt([Utterance("A", 0, 2_000, "Hello."),
                           Utterance("Priya", 3_723_000, 3_724_000, "Bye <!here>.")]) == (
        "[00:00] Speaker A: Hello.\n[1:02:03] Priya: Bye <!here>.\n")


def test_splitting_never_cuts_an_escaped_character_in_half() -> None:
    escaped = escape_mrkdwn("<&>" * 2000)
    pieces = split_text(escaped, 3000)
    assert "".join(pieces) == escaped
    assert all(len(p) <= 3000 and p.endswith(";") for p in pieces)
    assert pack(["one", "two", "x" * 10], 8) == ["one\ntwo", "x" * 8, "xx"]
