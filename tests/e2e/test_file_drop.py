"""A recording dropped in a channel becomes a status message, edited in place, then a recap."""

from __future__ import annotations

from tests.e2e.people import CHANNEL, block_text, share, wait_for_recap, wait_reaction


async def test_a_dropped_recording_gets_one_status_message_and_a_recap(stage, app):
    ts = await share(stage, app)
    (file,) = stage.slack.find(CHANNEL, ts).files
    await wait_for_recap(stage, ts)
    await wait_reaction(stage, ts, "white_check_mark")
    thread = stage.slack.thread(CHANNEL, ts)

    parent, status, *recap = thread
    assert parent.ts == ts
    assert status.bot_id and status.edits >= 1
    assert "Recap ready" in status.text
    text = block_text(recap[0].blocks)
    assert "standup.mp3" in text and "TL;DR" in text
    assert "[02:13]" in "\n".join(block_text(m.blocks) for m in recap)  # a decision's time
    assert "Carmen" in "\n".join(block_text(m.blocks) for m in recap)  # an owner from the talk
    assert stage.slack.find(CHANNEL, ts).reactions.get("white_check_mark")
    assert stage.assemblyai.uploads == 1 and stage.assemblyai.creates == 1
    assert stage.slack.violations == []
    downloads = [d for d in stage.slack.downloads if d.file_id == file["id"]]
    assert downloads and all(d.auth_ok for d in downloads)
