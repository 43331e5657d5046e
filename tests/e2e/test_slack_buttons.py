"""The buttons under a recap: another style from the cache in the same thread, and the
speaker-labelled transcript as a .txt file (which Recap then leaves alone)."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.people import (
    CHANNEL,
    blocks_problems,
    bot_replies,
    click,
    recapped,
    recaps,
    text_of,
    web_calls,
)


async def test_a_restyle_button_answers_from_the_cache_in_the_same_thread(stage, app):
    ts = await recapped(stage, app)
    (first,) = recaps(stage, ts)
    transcription_requests, llm_calls = len(stage.assemblyai.requests), stage.llm.calls

    await click(stage, app, first, "restyle:actions")
    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) == 2)
    actions = recaps(stage, ts)[1]
    assert "*Action items*" in text_of(actions) and "*Topics*" not in text_of(actions)
    assert "Carmen" in text_of(actions)
    assert len(stage.assemblyai.requests) == transcription_requests  # no transcription at all
    assert stage.llm.calls == llm_calls + 1 and stage.llm.completions[-1].style == "actions"

    # The same style again: the stored recap, without asking the LLM.
    await click(stage, app, first, "restyle:actions")
    await stage.slack.wait_for(lambda: len(recaps(stage, ts)) == 3)
    again = recaps(stage, ts)[2]
    assert text_of(again) == text_of(actions)
    assert stage.llm.calls == llm_calls + 1
    assert len(stage.assemblyai.requests) == transcription_requests
    assert all(m.thread_ts == ts for m in recaps(stage, ts))
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_the_transcript_button_uploads_a_labelled_txt_that_recap_ignores(stage, app):
    ts = await recapped(stage, app)
    (recap,) = recaps(stage, ts)
    before = len(bot_replies(stage, ts))

    await click(stage, app, recap, "transcript")
    (shared,) = await stage.slack.wait_for(lambda: bot_replies(stage, ts)[before:])
    (file,) = shared.files
    assert file["name"] == "standup-transcript.txt" and file["title"] == "Transcript: standup"
    assert stage.slack.count("files.getUploadURLExternal") == 1
    assert stage.slack.count("files.completeUploadExternal") == 1
    text = stage.slack.file_bytes(file).decode()
    lines = text.splitlines()
    assert lines and all(re.match(r"^\[\d\d:\d\d\] Speaker [ABC]: \S", line) for line in lines)
    assert "Carmen, can you send the draft to legal by Wednesday" in text

    # Slack tells the app about its own upload, twice over; Recap does not recap its transcript.
    calls, llm_calls = len(web_calls(stage)), stage.llm.calls
    echo = stage.slack.message_event(shared)
    as_file_share = {**echo, "event": {**echo["event"], "subtype": "file_share"}}
    shared_event = stage.slack.file_shared_event(file, CHANNEL, user=stage.slack.bot_user_id)
    for envelope in (echo, as_file_share, shared_event):
        status, _, _ = await stage.slack.deliver(app.events_url, envelope)
        assert status == 200
    await asyncio.sleep(0.5)  # room for anything that was (wrongly) started
    assert len(web_calls(stage)) == calls and stage.llm.calls == llm_calls
    assert len(bot_replies(stage, ts)) == before + 1
    assert stage.slack.violations == []
