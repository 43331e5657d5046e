"""`recap demo`, run as a newcomer runs it: a child process with no Recap settings and no .env.

It is also the smoke test of the whole journey (simulated Slack, AssemblyAI and LLM, the real app
in HTTP mode), so the assertions follow the thread a person reads, then the receipts.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot.config import inherited_environment
from bot.sim.terminal import Terminal, blocks_lines, mrkdwn
from tests.e2e.cli import Ran, run_cli


def in_order(text: str, parts: list[str]) -> bool:
    """Each part appears after the one before it."""
    at = 0
    for part in parts:
        at = text.find(part, at)
        assert at >= 0, f"{part!r} missing, or not after {parts[:parts.index(part)][-1:]}"
        at += len(part)
    return True


async def recap(*args: str, cwd: Path, timeout: float = 60.0) -> Ran:
    """`recap ARGS` as a newcomer runs it: no Recap settings, no .env in `cwd`."""
    return await run_cli(*args, env=inherited_environment(), cwd=cwd, timeout=timeout)


async def test_the_demo_prints_the_thread_the_answer_the_restyle_and_the_receipts(tmp_path):
    ran = await recap("demo", cwd=tmp_path)

    assert ran.code == 0, ran.err
    assert "Traceback" not in ran.err
    assert "Slack, AssemblyAI and the LLM are simulated" in " ".join(ran.out.splitlines()[:2])
    text = ran.flat
    # The drop, and the one status message through its stages, in order; the hourglass goes
    # on the drop at the same time as the status message is posted, so either may come first.
    assert "recap reacted :hourglass_flowing_sand:" in text
    stages = ["alice: Here's the recording", "[file: sample-standup.wav", "recap: ",
              "Working on it",
              "(edited): ", "Downloading sample-standup.wav", "Transcribing 4 minutes of audio",
              "Summarizing part 1 of 2", "Recap ready (03:54 of audio"]
    assert in_order(text, stages)
    assert "recap reacted :white_check_mark:" in text
    # The recap, rendered from its Block Kit.
    recap_text = text[text.index("Recap: sample-standup.wav (03:54)"):]
    assert "TL;DR" in recap_text and "Topics" in recap_text
    # Names from the start: the channel's members are the stage's speakers (Speaker
    # Identification), so topics, owners and talk time say who, not "Speaker A".
    who = "(Alice|Bob|Carmen)"
    assert re.search(rf"\[\d\d:\d\d\] [\w ]+ \({who}(, {who})*\)", recap_text)  # time, speakers
    assert "Speakers: Alice " in recap_text and "Speaker A" not in recap_text
    assert re.search(r"• [^•]+ — (Carmen|Bob), due \w+", recap_text)  # an owned action item
    assert "Decisions • Move the launch to May twelfth" in recap_text
    assert "[ Brief ] [ Bullets ]" in recap_text
    assert "*" not in recap_text.split("What each service received")[0]  # mrkdwn is displayed
    # The follow-up question and its answer, then /recap brief and the brief recap.
    answer = text[text.index("alice: When will Bob update the release plan?"):]
    assert re.search(r"recap: At \[02:21\] .*by Friday", answer)
    brief = text[text.index("alice typed /recap brief"):]
    assert "Recap: sample-standup.wav (03:54)" in brief and "TL;DR" in brief
    assert "[ Topics ]" in brief and "Action items —" not in brief
    # What each service received, and the way to the real thing.
    assert "AssemblyAI (simulated) 1 upload (160,044 bytes), 1 transcript created" in text
    assert "Speaker Identification named A as Alice, B as Bob, C as Carmen" in text
    calls = re.search(r"LLM \(simulated\) (\d+) calls .*?([\d,]+) tokens in", text)
    assert calls and int(calls[1]) >= 4 and int(calls[2].replace(",", "")) > 0
    slack = re.search(r"Slack \(simulated\) (\d+) messages posted, (\d+) edits", text)
    assert slack and int(slack[1]) == 4 and int(slack[2]) >= 4
    assert "manifest.yml" in text and "SLACK_BOT_TOKEN" in text and "ASSEMBLYAI_API_KEY" in text


async def test_real_llm_without_llm_settings_says_what_to_set(tmp_path):
    ran = await recap("demo", "--real-llm", cwd=tmp_path, timeout=20)

    assert ran.code == 1
    assert ran.out == ""
    assert ran.err.strip() == (
        "recap: recap demo --real-llm needs an LLM: set LLM_BASE_URL and LLM_API_KEY (any "
        "OpenAI-compatible endpoint), or ASSEMBLYAI_API_KEY for AssemblyAI's LLM Gateway, in the "
        "environment or .env."
    )


def test_mrkdwn_is_shown_as_slack_displays_it():
    names = {"U0BOB": "bob"}
    shown = mrkdwn("*TL;DR* &lt;b&gt; &amp; <@U0BOB> <https://example.com|the doc> _soon_",
                   names, emojis=False)
    assert re.sub(r"\x1b\[\d+m", "", shown) == "TL;DR <b> & @bob the doc (https://example.com) soon"


def test_blocks_become_lines_with_buttons_as_labels():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Recap: a.wav (01:00)"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Action items*\n• Ship — *Bob*"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "“Bob, can you ship?”"}]},
        {"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Brief"}, "action_id": "a"},
            {"type": "button", "text": {"type": "plain_text", "text": "Forget"}, "action_id": "f",
             "style": "danger"}]},
    ]
    term = Terminal.for_stream(sys.stdout)
    lines = [re.sub(r"\x1b\[\d+m", "", line) for line in blocks_lines(blocks, term.mrkdwn)]
    assert lines == ["Recap: a.wav (01:00)", "═" * 20, "Action items", "• Ship — Bob",
                     "  “Bob, can you ship?”", "", "[ Brief ] [ Forget ]"]
