"""/recap: help, another style of the channel's latest recording (from the cache), a link, and
a private sentence when there is nothing to do. Slack gets its acknowledgement at once."""

from __future__ import annotations

import asyncio

from tests.e2e.people import (
    CHANNEL,
    PERSON,
    blocks_problems,
    bot_replies,
    command,
    recapped,
    recaps,
    text_of,
    wait_replies,
    web_calls,
)


async def test_help_is_answered_privately_in_the_acknowledgement(stage, app):
    status, ack, seconds = await command(stage, app, "help")

    assert status == 200 and seconds < 1.0
    assert ack.get("response_type", "ephemeral") == "ephemeral"
    assert "/recap STYLE" in ack["text"] and "`brief`" in ack["text"]
    assert "Reply in a recap's thread" in ack["text"]
    await asyncio.sleep(0.3)
    assert web_calls(stage) == [] and stage.slack.messages(CHANNEL) == []


async def test_a_new_style_of_the_latest_recording_comes_from_the_cache(stage, app):
    ts = await recapped(stage, app)
    transcription_requests, llm_calls = len(stage.assemblyai.requests), stage.llm.calls

    status, ack, seconds = await command(stage, app, "brief")
    assert status == 200 and seconds < 1.0
    assert "On it: see the thread of standup.mp3" in ack["text"]

    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) == 2)
    first, brief = recaps(stage, ts)
    assert "*TL;DR*" in text_of(brief) and "*Topics*" not in text_of(brief)
    assert "*Topics*" in text_of(first)
    assert len(stage.assemblyai.requests) == transcription_requests  # not one new request
    assert stage.llm.calls == llm_calls + 1 and stage.llm.completions[-1].style == "brief"
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_custom_instructions_recap_the_latest_recording_again(stage, app):
    ts = await recapped(stage, app)

    status, _, _ = await command(stage, app, "actions only what Carmen owns")
    assert status == 200

    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) == 2)
    request = stage.llm.completions[-1].request
    prompt = "\n".join(m["content"] for m in request["messages"])
    assert "<instructions>\nonly what Carmen owns\n</instructions>" in prompt
    assert "Instructions: only what Carmen owns" in text_of(recaps(stage, ts)[-1])
    assert stage.assemblyai.creates == 1


async def test_an_unknown_style_or_nothing_to_recap_is_explained_privately(stage, app):
    status, ack, _ = await command(stage, app, "xyz")
    assert status == 200 and "Unknown style “xyz”" in ack["text"]
    assert "brief" in ack["text"]

    status, ack, _ = await command(stage, app, "brief")
    assert status == 200 and "no recording in this channel" in ack["text"]

    await asyncio.sleep(0.3)
    assert stage.slack.messages(CHANNEL) == [] and stage.llm.calls == 0
    assert stage.assemblyai.requests == []


async def test_a_question_as_a_command_is_answered_in_the_recordings_thread(stage, app):
    ts = await recapped(stage, app)
    last = bot_replies(stage, ts)[-1].ts

    status, ack, _ = await command(stage, app, "who sends the draft to legal?")
    assert status == 200 and "standup.mp3" in ack["text"]

    (answer,) = await wait_replies(stage, ts, 1, after=last)
    assert "Carmen" in text_of(answer) and answer.streamed  # streamed to the person asking
    assert stage.slack.streams()[-1].recipient_user_id == PERSON
    request = stage.llm.completions[-1].request
    assert request["messages"][-1] == {"role": "user", "content": "who sends the draft to legal?"}
    assert "response_format" not in request
