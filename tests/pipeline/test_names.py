"""Names from the start, below the Slack app: which names a channel offers, that a name a person
gave is never replaced, and that the create never waits long for names. Real servers: the Slack
and AssemblyAI simulators on loopback, a SQLite store in a temporary folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.config import load
from bot.core.sources import Source
from bot.core.transcript import Transcript, Utterance
from bot.deps import Deps, open_deps
from bot.pipeline.names import remember_names
from bot.pipeline.transcripts import get_transcript
from bot.sim.assemblyai import AssemblyAISim
from bot.sim.slack import SlackSim
from bot.slack_app.candidates import speaker_candidates

TEAM, CHANNEL = "T0SIM", "C0NAMES"
TURNS = [("A", 0, 2500, "Morning, everyone."), ("B", 2600, 7100, "Let's ship on Friday.")]


@pytest.fixture
async def deps(tmp_path) -> AsyncIterator[tuple[Deps, SlackSim, AssemblyAISim]]:
    async with SlackSim() as slack, AssemblyAISim(processing_seconds=0.05) as stt:
        stt.script("*", utterances=TURNS, names={"A": "Priya Shah", "B": "Marcus Lee"})
        slack.add_member("U1PRIYA", "Priya Shah", channels=[CHANNEL])
        slack.add_member("U2MARCUS", "Marcus Lee", channels=[CHANNEL])
        config = load({"DATABASE_PATH": str(tmp_path / "recap.db"), "POLL_INTERVAL": "0.02",
                       "SLACK_BOT_TOKEN": slack.bot_token, "SLACK_API_URL": slack.api_url,
                       "ASSEMBLYAI_API_KEY": stt.api_key, "ASSEMBLYAI_BASE_URL": stt.base_url})
        opened = await open_deps(config, slack=True)
        try:
            yield opened, slack, stt
        finally:
            await opened.aclose()


def transcript(labels: str = "AB") -> Transcript:
    return Transcript("t1", tuple(Utterance(label, 0, 1, "hello") for label in labels))


async def test_a_long_memory_never_crowds_out_the_members(deps):
    deps_, _, _ = deps
    for i in range(30):
        await deps_.store.set_speaker_names(TEAM, f"old{i}", CHANNEL, {"A": f"Guest {i:02d}"})

    offered = await speaker_candidates(deps_, TEAM, CHANNEL)

    guests = {f"Guest {i:02d}" for i in range(30)}
    assert set(offered[:20]) <= guests and offered[20:22] == ["Priya Shah", "Marcus Lee"]
    assert set(offered[22:]) <= guests and len(offered) == 32


async def test_a_name_a_person_gave_is_never_replaced(deps):
    deps_, _, _ = deps
    await deps_.store.set_speaker_names(TEAM, "t1", CHANNEL, {"A": "Priya S"})

    added = await remember_names(deps_, TEAM, CHANNEL, transcript(),
                                 {"A": "Priya Shah", "B": "Marcus Lee", "Z": "Nobody Here"})

    assert added == {"B": "Marcus Lee"}
    assert await deps_.store.speaker_names(TEAM, "t1") == {"A": "Priya S", "B": "Marcus Lee"}
    assert await deps_.store.channel_speaker_names(TEAM, CHANNEL) == ["Marcus Lee", "Priya S"]


async def test_names_offered_in_the_create_are_stored_with_the_transcript(deps):
    deps_, _, stt = deps
    ready: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    ready.set_result(["Priya Shah", "Marcus Lee"])
    source = Source(kind="url", key=f"url:{TEAM}:a", name="a.mp3", url="https://example.com/a.mp3")

    found, cached = await get_transcript(deps_, source, team_id=TEAM, channel=CHANNEL,
                                         candidates=ready)

    (create,) = [r.json for r in stt.requests if r.path == "/v2/transcript"
                 and r.method == "POST"]
    assert "speech_understanding" in create and not cached
    assert found.speakers == ["A", "B"]
    assert await deps_.store.speaker_names(TEAM, found.id) == {"A": "Priya Shah",
                                                              "B": "Marcus Lee"}


async def test_names_not_ready_soon_after_the_upload_are_not_waited_for(deps):
    deps_, _, stt = deps
    never: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    source = Source(kind="url", key=f"url:{TEAM}:b", name="b.mp3", url="https://example.com/b.mp3")

    found, _ = await get_transcript(deps_, source, team_id=TEAM, channel=CHANNEL,
                                    candidates=never)

    (create,) = [r.json for r in stt.requests if r.path == "/v2/transcript"
                 and r.method == "POST"]
    assert "speech_understanding" not in create
    assert not never.cancelled()  # still the job's, to use or drop
    assert await deps_.store.speaker_names(TEAM, found.id) == {}
