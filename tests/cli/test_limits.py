"""What a transcript file may cost: its own size limit (refused with a sentence naming it, in
the terminal and in Slack, before it is read), and a bound on the LLM calls a recap may take
(counted before any is spent)."""

from __future__ import annotations

import random
from pathlib import Path

from bot.pipeline.summaries import MAX_PARTS
from tests.e2e.cli import recap
from tests.e2e.people import row, share, statuses, text_of, wait_reaction

MAX_TRANSCRIPT_MB = 2  # the setting, lowered so the test writes a small file
LIMIT_SENTENCE = f"over the {MAX_TRANSCRIPT_MB} MB limit for transcript files"


def long_transcript(hours: int) -> str:
    """`[h:mm:ss] Speaker X: text` lines, one 8-second turn of fast speech after another."""
    rng = random.Random(7)
    words = "we ship the launch next week Carmen sends the draft to legal by Wednesday".split()
    lines = []
    for turn in range(hours * 450):
        seconds = turn * 8
        clock = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        text = " ".join(rng.choice(words) for _ in range(26))
        lines.append(f"[{clock}] Speaker {'ABCD'[turn % 4]}: {text}.")
    return "\n".join(lines) + "\n"


async def test_a_transcript_file_over_its_limit_is_refused_with_one_sentence(stage):
    big = Path(stage.workdir) / "export.txt"
    line = "[00:01] Speaker A: " + "words " * 2000 + "\n"
    big.write_text(line * (MAX_TRANSCRIPT_MB * 1_048_576 // len(line) + 2))

    ran = await recap(stage, "summarize", str(big), MAX_TRANSCRIPT_MB=str(MAX_TRANSCRIPT_MB))

    assert ran.code != 0 and LIMIT_SENTENCE in ran.complaint
    assert stage.llm.requests == [] and stage.assemblyai.requests == []


async def test_a_transcript_file_over_its_limit_dropped_in_slack_is_refused_unread(stage):
    app = await stage.app(MAX_TRANSCRIPT_MB=str(MAX_TRANSCRIPT_MB))
    size = MAX_TRANSCRIPT_MB * 1_048_576 + 1
    thread = await share(stage, app, "all-hands.vtt", size=size, mimetype="text/vtt")
    await wait_reaction(stage, thread, "x")

    (status,) = statuses(stage, thread)
    assert LIMIT_SENTENCE in text_of(status) and LIMIT_SENTENCE in row(stage)["error"]
    assert stage.slack.downloads == [] and stage.llm.requests == []


async def test_a_transcript_needing_too_many_llm_calls_is_refused_before_any(stage):
    path = Path(stage.workdir) / "marathon.txt"
    path.write_text(long_transcript(30))  # 30 hours: far more parts than 10 hours take

    ran = await recap(stage, "summarize", str(path), timeout=60)

    assert ran.code != 0 and f"over Recap's limit of {MAX_PARTS}" in ran.complaint
    assert "LLM calls" in ran.complaint and stage.llm.requests == []


async def test_ten_hours_of_speech_stays_within_the_call_limit(stage):
    path = Path(stage.workdir) / "ten-hours.txt"
    path.write_text(long_transcript(10))

    ran = await recap(stage, "summarize", str(path), "--json", timeout=90)

    assert ran.code == 0, ran.err
    assert 1 < ran.recap()["chunks"] <= MAX_PARTS
