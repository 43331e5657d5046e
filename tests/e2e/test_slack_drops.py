"""Recordings and transcripts shared in a channel or a DM: a reaction and one status message at
once, the status edited as the job moves, then the recap in the thread, and a final reaction."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.people import (
    CHANNEL,
    actions,
    blocks_problems,
    bot_replies,
    recaps,
    rows,
    share,
    share_event,
    text_of,
    wait_reaction,
    web_calls,
)

STYLES = {"restyle:brief", "restyle:bullets", "restyle:actions", "restyle:chapters"}
VTT = b"""WEBVTT

00:00:01.000 --> 00:00:06.000
<v Dana>Welcome to the budget review. The travel budget is over by ten percent.

00:00:06.500 --> 00:00:12.000
<v Eli>We decided to freeze travel until March.

00:00:12.500 --> 00:00:18.000
<v Dana>Eli, can you send the new policy to finance by Friday?
"""
SRT = b"""1
00:00:01,000 --> 00:00:06,000
Dana: Welcome to the budget review. The travel budget is over by ten percent.

2
00:00:06,500 --> 00:00:12,000
Eli: We decided to freeze travel until March.

3
00:00:12,500 --> 00:00:18,000
Dana: Eli, can you send the new policy to finance by Friday?
"""
TXT = b"""Dana: Welcome to the budget review. The travel budget is over by ten percent.
Eli: We decided to freeze travel until March.
Dana: Eli, can you send the new policy to finance by Friday?
"""


async def test_a_recording_gets_a_live_status_then_a_recap_and_a_check_mark(stage):
    app = await stage.app()
    stage.slack.delay("download", 2.2)  # slow enough that each stage is on screen for a while
    stage.assemblyai.processing_seconds = 2.2
    started = time.monotonic()
    ts = await share(stage, app, "standup.mp3", duration_ms=234_000)

    # Within a second: an hourglass on the message and one status message in its thread.
    await wait_reaction(stage, ts, "hourglass_flowing_sand", timeout=1.0)
    (status,) = await stage.slack.wait_for(lambda: bot_replies(stage, ts), timeout=1.0)
    assert time.monotonic() - started < 1.5
    assert "Working on it" in text_of(status)

    await wait_reaction(stage, ts, "white_check_mark", timeout=15)
    status, *recap = bot_replies(stage, ts)
    shown = [v["text"] for v in status.versions] + [status.text]
    assert any("Downloading standup.mp3 (0.2 MB)" in s for s in shown), shown
    assert any("Transcribing 4 minutes of audio" in s for s in shown), shown
    assert "Recap ready" in shown[-1] and "03:54 of audio" in shown[-1]
    progress = [c.at for c in stage.slack.calls("chat.update")][:-1]  # the last one is "done"
    assert all(b - a >= 1.9 for a, b in zip(progress, progress[1:], strict=False))  # 1 per 2 s
    assert stage.slack.find(CHANNEL, ts).reactions == {"white_check_mark": ["U0RECAP"]}

    # The recap: header with the file name and duration, TL;DR, topics with [mm:ss] and
    # speakers, owned and dated action items, decisions; a footer; the buttons.
    assert len(recap) == 1 and recap == recaps(stage, ts)
    blocks = recap[0].blocks
    assert blocks[0] == {"type": "header",
                         "text": {"type": "plain_text", "text": "Recap: standup.mp3 (03:54)"}}
    text = text_of(recap[0])
    assert "*TL;DR*" in text and "*Topics*" in text and "*Action items*" in text
    assert "*[01:44] Launch Twelfth Screens* (A, B, C)" in text
    assert "— *Carmen*, due Wednesday [01:08]" in text
    assert "*Decisions*" in text and "May twelfth" in text
    footer = block_text_of(blocks, "context")[-1]
    assert "Covered 03:54 of 03:54" in footer and "claude-sonnet-4-6" in footer
    assert "AI-generated" in footer
    assert STYLES <= set(actions(recap[0])) and "restyle:topics" not in actions(recap[0])
    assert {"transcript", "forget"} <= set(actions(recap[0]))
    assert stage.slack.violations == [] and blocks_problems(stage) == []
    assert stage.assemblyai.uploads == 1 and stage.assemblyai.creates == 1
    assert stage.llm.calls == 1
    assert "will be unused" not in app.logs()  # bolt builds nothing from the environment


async def test_a_failed_transcription_ends_with_a_cross_and_the_reason(stage, app):
    stage.assemblyai.script("*", error="File does not appear to contain audio.")
    ts = await share(stage, app, "standup.mp3")

    await wait_reaction(stage, ts, "x")
    (status,) = bot_replies(stage, ts)
    assert status.text.startswith(":x:") and "retry" in actions(status)
    assert stage.slack.find(CHANNEL, ts).reactions == {"x": ["U0RECAP"]}
    assert recaps(stage, ts) == [] and stage.llm.calls == 0
    assert stage.slack.violations == [] and blocks_problems(stage) == []


@pytest.mark.parametrize(("name", "content", "header"), [
    ("budget.vtt", VTT, "Recap: budget.vtt (00:18)"),
    ("budget.srt", SRT, "Recap: budget.srt (00:18)"),
    ("budget.txt", TXT, "Recap: budget.txt"),  # no timings, so no length to show
])
async def test_a_transcript_file_is_recapped_without_transcription(stage, app, name, content,
                                                                   header):
    ts = await share(stage, app, name, content=content)

    await wait_reaction(stage, ts, "white_check_mark")
    (recap,) = recaps(stage, ts)
    text = text_of(recap)
    assert recap.blocks[0]["text"]["text"] == header
    assert "freeze travel" in text and "Eli" in text
    assert stage.assemblyai.requests == []  # not one request: no upload, no create, no poll
    assert "Downloading" not in "".join(v["text"] for v in bot_replies(stage, ts)[0].versions)
    assert stage.llm.calls == 1
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_a_recording_shared_in_a_dm_is_recapped_there(stage, app):
    dm = "D0ALICE"
    ts = await share(stage, app, "standup.m4a", channel=dm)

    await wait_reaction(stage, ts, "white_check_mark", channel=dm)
    status, recap = bot_replies(stage, ts, channel=dm)
    assert "Recap ready" in status.text
    assert "Recap: standup.m4a" in text_of(recap) and "Carmen" in text_of(recap)
    assert stage.slack.messages(CHANNEL) == []
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_other_files_and_plain_messages_are_left_alone(stage, app):
    await share(stage, app, "roadmap.pdf")
    await share(stage, app, "diagram.png", text="the architecture")
    await stage.slack.deliver(app.events_url, stage.slack.user_message(CHANNEL, "good morning"))

    await asyncio.sleep(0.5)  # room for anything that was (wrongly) started
    assert web_calls(stage) == [] and stage.assemblyai.requests == [] and stage.llm.calls == 0


def block_text_of(blocks: list[dict], kind: str) -> list[str]:
    return ["\n".join(e["text"] for e in b["elements"]) for b in blocks if b["type"] == kind]



async def test_a_drop_with_a_bad_signature_gets_401_and_nothing_happens(stage, app):
    envelope = share_event(stage)

    status, _, _ = await stage.slack.deliver(app.events_url, envelope, bad_signature=True)

    assert status == 401
    await asyncio.sleep(0.5)  # room for anything that was (wrongly) started
    assert web_calls(stage) == [] and stage.slack.downloads == []
    assert stage.assemblyai.requests == [] and stage.llm.calls == 0
    assert rows(stage) == []  # no job was stored
