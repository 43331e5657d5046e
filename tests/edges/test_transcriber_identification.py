"""Speaker Identification through the AssemblyAI edge, against the simulators over loopback:
names asked for in the create, letters kept in the transcript, and a later run on the LLM
Gateway host that transcribes nothing again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.edges.transcriber import Transcriber
from bot.errors import RecapError
from bot.sim.assemblyai import AssemblyAISim
from bot.sim.llm import LLMSim

TURNS = [("A", 0, 2000, "Morning, everyone."), ("B", 2100, 4000, "The export is fixed."),
         ("C", 4100, 6000, "Ship it."), ("A", 6100, 8000, "Friday, then.")]
NAMES = {"A": "Priya Shah", "B": "Marcus Lee", "C": "Dana Whitfield"}
URL = "https://example.com/standup.mp3"


@pytest.fixture
async def sims() -> AsyncIterator[tuple[AssemblyAISim, LLMSim]]:
    async with AssemblyAISim(processing_seconds=0.05) as stt:
        stt.script("*", utterances=TURNS, names=NAMES)
        async with LLMSim(assemblyai=stt, api_key=stt.api_key) as llm:
            yield stt, llm


@pytest.fixture
async def transcriber(sims) -> AsyncIterator[Transcriber]:
    stt, llm = sims
    client = Transcriber(api_key=stt.api_key, base_url=stt.base_url,
                         speech_models=["universal-3-pro"], poll_interval=0.02, backoff=0.001,
                         gateway_url=f"{llm.base_url}/v1")
    yield client
    await client.aclose()


def creates(stt: AssemblyAISim) -> list[dict]:
    return [r.json for r in stt.requests if r.method == "POST" and r.path == "/v2/transcript"]


async def test_the_create_asks_for_names_and_the_transcript_keeps_letters(sims, transcriber):
    stt, _ = sims
    transcript_id = await transcriber.submit(URL, ["Priya Shah", "Marcus Lee"])
    transcript = await transcriber.wait(transcript_id, deadline_s=10)

    (body,) = creates(stt)
    assert body["speaker_labels"] is True
    assert body["speech_understanding"] == {"request": {"speaker_identification": {
        "speaker_type": "name", "known_values": ["Priya Shah", "Marcus Lee"]}}}
    assert [u.speaker for u in transcript.utterances] == ["A", "B", "C", "A"]
    assert transcript.extra["identified"] == {"A": "Priya Shah", "B": "Marcus Lee"}
    assert stt.transcript(transcript_id)["utterances"][0]["speaker"] == "Priya Shah"


async def test_without_names_the_create_is_as_before(sims, transcriber):
    stt, _ = sims
    transcript = await transcriber.wait(await transcriber.submit(URL), deadline_s=10)
    (body,) = creates(stt)
    assert "speech_understanding" not in body
    assert transcript.extra == {} and transcript.speakers == ["A", "B", "C"]


async def test_a_create_refused_over_identification_is_made_without_it(sims, transcriber):
    stt, _ = sims
    stt.fail_next("/v2/transcript", 400, body={"error": "speaker_identification is unavailable"})
    transcript = await transcriber.wait(await transcriber.submit(URL, ["Priya Shah"]),
                                        deadline_s=10)
    first, second = creates(stt)
    assert "speech_understanding" in first and "speech_understanding" not in second
    assert stt.transcriptions == 1 and transcript.extra == {}


async def test_a_later_run_names_speakers_without_transcribing_again(sims, transcriber):
    stt, llm = sims
    transcript_id = await transcriber.submit(URL)
    await transcriber.wait(transcript_id, deadline_s=10)

    names = await transcriber.identify(transcript_id, ["Marcus Lee", "Someone Else"])

    assert names == {"B": "Marcus Lee"}
    assert stt.transcriptions == 1 and llm.understanding.answered == 1
    (run,) = [r for r in llm.requests if r.path == "/v1/understanding"]
    assert run.json["transcript_id"] == transcript_id
    assert run.headers["authorization"] == stt.api_key
    assert stt.transcript(transcript_id)["utterances"][1]["speaker"] == "B"


async def test_a_later_run_that_keeps_failing_is_tried_twice(sims, transcriber):
    stt, llm = sims
    transcript_id = await transcriber.submit(URL)
    await transcriber.wait(transcript_id, deadline_s=10)
    llm.fail_next("/v1/understanding", 503, times=5)

    with pytest.raises(RecapError):
        await transcriber.identify(transcript_id, ["Marcus Lee"])
    assert llm.count("POST", "/v1/understanding") == 2


async def test_no_gateway_no_later_run(sims):
    stt, llm = sims
    client = Transcriber(api_key=stt.api_key, base_url=stt.base_url, speech_models=["u"])
    try:
        assert not client.can_identify
        assert await client.identify("whatever", ["Priya Shah"]) == {}
    finally:
        await client.aclose()
    assert llm.count() == 0
