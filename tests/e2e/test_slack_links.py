"""Links to recordings: AssemblyAI fetches them itself (audio_url); Recap never downloads a link
a person posted. A media file's link is enough; any other link needs @Recap or /recap."""

from __future__ import annotations

import asyncio

from tests.e2e.people import (
    CHANNEL,
    blocks_problems,
    bot_replies,
    command,
    mention,
    recaps,
    say,
    text_of,
    wait_reaction,
    web_calls,
)

TOWN_HALL = "https://media.example.com/town-hall.mp3"
STREAM = "https://media.example.com/stream?id=42"  # no extension: a recording only if asked


def created(stage) -> list[dict]:
    """The create requests AssemblyAI received (their JSON bodies)."""
    return [r.json for r in stage.assemblyai.requests
            if r.method == "POST" and r.path == "/v2/transcript"]


async def test_a_posted_media_link_is_handed_to_assemblyai_as_audio_url(stage, app):
    ts = await say(stage, app, f"Yesterday's town hall: <{TOWN_HALL}>")

    await wait_reaction(stage, ts, "white_check_mark")
    status, recap = bot_replies(stage, ts)
    assert "Recap ready" in status.text
    assert recap.blocks[0]["text"]["text"].startswith("Recap: town-hall.mp3")
    assert "Carmen" in text_of(recap)
    (create,) = created(stage)
    assert create["audio_url"] == TOWN_HALL and create["speaker_labels"] is True
    assert stage.assemblyai.uploads == 0  # AssemblyAI fetched it; Recap streamed nothing
    assert stage.slack.downloads == []
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_a_link_to_a_page_without_a_mention_is_left_alone(stage, app):
    await say(stage, app, "Agenda: <https://wiki.example.com/meetings/town-hall>")
    await say(stage, app, f"Stream: <{STREAM}>")

    await asyncio.sleep(0.5)  # room for anything that was (wrongly) started
    assert web_calls(stage) == [] and stage.assemblyai.requests == [] and stage.llm.calls == 0


async def test_mentioning_recap_with_any_link_recaps_it_once(stage, app):
    ts = await mention(stage, app, f"please recap <{STREAM}>")  # app_mention and message event

    await wait_reaction(stage, ts, "white_check_mark")
    status, recap = bot_replies(stage, ts)
    assert "Recap ready" in status.text and "Recap: stream" in text_of(recap)
    assert [c["audio_url"] for c in created(stage)] == [STREAM]
    assert stage.assemblyai.uploads == 0 and stage.llm.calls == 1
    assert stage.slack.violations == [] and blocks_problems(stage) == []


async def test_recap_command_with_a_link_starts_a_new_thread(stage, app):
    status_code, ack, seconds = await command(stage, app, f"brief {TOWN_HALL}")
    assert status_code == 200 and seconds < 1.0

    parent = await stage.slack.wait_for(lambda: stage.slack.messages(CHANNEL))
    assert parent[0].bot_id and TOWN_HALL in parent[0].text
    await stage.slack.wait_for(lambda: recaps(stage, parent[0].ts))
    (recap,) = recaps(stage, parent[0].ts)
    assert "Recap: town-hall.mp3" in text_of(recap) and "*Topics*" not in text_of(recap)  # brief
    assert [c["audio_url"] for c in created(stage)] == [TOWN_HALL]
    assert stage.llm.completions[-1].style == "brief"
    assert stage.slack.violations == [] and blocks_problems(stage) == []
