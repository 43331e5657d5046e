"""Speaker Identification: in the create (AssemblyAI sim) and later on the LLM Gateway host
(LLMSim's /v1/understanding), driven by the assemblyai SDK the app uses, over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import assemblyai as aai
import pytest

from bot.sim.assemblyai import AssemblyAISim
from bot.sim.llm import LLMSim
from bot.sim.samples import meeting, meeting_names
from bot.sim.speaker_id import NEEDS_DIARIZATION

TURNS = [
    ("A", 0, 2000, "Morning, everyone."),
    ("B", 2100, 4000, "Morning. The export is fixed."),
    ("C", 4100, 6000, "Great, let's ship it."),
    ("A", 6100, 8000, "Friday, then."),
]
NAMES = {"A": "Priya Shah", "B": "Tomás Ruiz", "C": "Carmen Díaz"}
MODELS = ["assemblyai-stt-3-7", "universal-2"]


def names_asked(*values: str, kind: str = "name") -> dict[str, Any]:
    return {"speaker_identification": {"speaker_type": kind, "known_values": list(values)}}


@pytest.fixture
async def sims() -> AsyncIterator[tuple[AssemblyAISim, LLMSim]]:
    async with AssemblyAISim(processing_seconds=0.05) as stt:
        stt.script("*", utterances=TURNS, names=NAMES)
        async with LLMSim(assemblyai=stt) as llm:
            yield stt, llm


def transcriber(stt: AssemblyAISim) -> aai.AsyncTranscriber:
    settings = aai.Settings(api_key=stt.api_key, base_url=stt.base_url, polling_interval=0.02)
    return aai.AsyncTranscriber(client=aai.AsyncClient(settings=settings))


def gateway(llm: LLMSim) -> aai.AsyncLLMGateway:
    settings = aai.Settings(api_key=llm.api_key, llm_gateway_base_url=llm.base_url)
    return aai.AsyncLLMGateway(client=aai.AsyncClient(settings=settings))


async def diarized(stt: AssemblyAISim) -> aai.AsyncTranscript:
    config = aai.TranscriptionConfig(speech_models=MODELS, speaker_labels=True)
    async with transcriber(stt) as t:
        return await t.transcribe("https://example.com/standup.mp3", config)


async def test_the_create_names_only_offered_speakers_whatever_their_case_or_accents(
    sims: tuple[AssemblyAISim, LLMSim],
) -> None:
    stt, _ = sims
    config = aai.TranscriptionConfig(
        speech_models=MODELS, speaker_labels=True,
        speech_understanding={"request": names_asked("PRIYA shah", "Tomas Ruiz", "Zelda")},
    )
    async with transcriber(stt) as t:
        transcript = await t.transcribe("https://example.com/standup.mp3", config)

    assert [u.speaker for u in transcript.utterances] == ["PRIYA shah", "Tomas Ruiz", "C",
                                                          "PRIYA shah"]
    assert {w.speaker for w in transcript.utterances[1].words} == {"Tomas Ruiz"}
    assert {w.speaker for w in transcript.words} == {"PRIYA shah", "Tomas Ruiz", "C"}
    result = transcript.speech_understanding.response.speaker_identification
    assert (result.mapping, result.status) == ({"A": "PRIYA shah", "B": "Tomas Ruiz"}, "success")
    assert transcript.text.startswith("Morning, everyone.")  # the text is not relabelled
    assert transcript.speech_model_used == "assemblyai-stt-3-7"
    assert [(i.via, i.mapping) for i in stt.identifications] == [("transcript", result.mapping)]
    assert stt.transcriptions == 1


async def test_roles_and_speakers_objects_follow_the_same_rule(
    sims: tuple[AssemblyAISim, LLMSim],
) -> None:
    stt, _ = sims
    stt.script("https://example.com/call.mp3", utterances=TURNS[:2],
               names={"A": "Agent", "B": "Customer"})
    roles = {"speaker_identification": {"speaker_type": "role", "speakers": [
        {"role": "customer", "description": "Calls about an order"}]}}
    config = aai.TranscriptionConfig(speech_models=MODELS, speaker_labels=True,
                                     speech_understanding={"request": roles})
    async with transcriber(stt) as t:
        transcript = await t.transcribe("https://example.com/call.mp3", config)

    assert [u.speaker for u in transcript.utterances] == ["A", "customer"]
    assert stt.identifications[0].speaker_type == "role"
    assert stt.identifications[0].offered == ("customer",)


async def test_a_create_that_cannot_identify_is_refused(sims: tuple[AssemblyAISim, LLMSim]) -> None:
    stt, _ = sims

    async def refusal(**params: Any) -> tuple[int, Any]:
        body = {"audio_url": "https://example.com/a.mp3", "speech_models": MODELS, **params}
        async with aiohttp.ClientSession(headers={"authorization": stt.api_key}) as http:
            async with http.post(f"{stt.base_url}/v2/transcript", json=body) as r:
                return r.status, await r.json()

    undiarized = await refusal(speech_understanding={"request": names_asked("Priya Shah")})
    long_name = await refusal(speaker_labels=True,
                              speech_understanding={"request": names_asked("x" * 36)})
    no_roles = await refusal(speaker_labels=True,
                             speech_understanding={"request": names_asked(kind="role")})
    bad_type = await refusal(speaker_labels=True,
                             speech_understanding={"request": names_asked(kind="nickname")})

    assert undiarized == (400, {"error": NEEDS_DIARIZATION})
    assert long_name[0] == no_roles[0] == bad_type[0] == 400
    assert "35 characters" in long_name[1]["error"]
    assert "known_values is required" in no_roles[1]["error"]
    assert stt.transcriptions == 0 and stt.identifications == []


async def test_identifying_a_finished_transcript_later_never_transcribes_again(
    sims: tuple[AssemblyAISim, LLMSim],
) -> None:
    stt, llm = sims
    transcript = await diarized(stt)
    async with gateway(llm) as gw:
        first = await gw.understanding.create(
            transcript_id=transcript.id, request=names_asked("Carmen Diaz", "priya shah"))
        again = await gw.understanding.create(
            transcript_id=transcript.id, request=names_asked("Tomás Ruiz"))
    async with transcriber(stt) as t:
        stored = await t.get_by_id(transcript.id)

    assert [u["speaker"] for u in first.utterances] == ["priya shah", "B", "Carmen Diaz",
                                                        "priya shah"]
    assert {w["speaker"] for w in first.utterances[2]["words"]} == {"Carmen Diaz"}
    mapping = first.speech_understanding["response"]["speaker_identification"]["mapping"]
    assert mapping == {"A": "priya shah", "C": "Carmen Diaz"}
    assert first.speech_understanding["request"] == names_asked("Carmen Diaz", "priya shah")
    assert [u["speaker"] for u in again.utterances] == ["A", "Tomás Ruiz", "C", "A"]
    assert first.request_id and first.request_id != again.request_id
    assert [u.speaker for u in stored.utterances] == ["A", "B", "C", "A"]  # nothing is stored
    assert (stt.transcriptions, stt.creates) == (1, 1)
    assert [i.via for i in stt.identifications] == ["understanding", "understanding"]
    assert llm.understanding.answered == 2 and llm.count("POST", "/v1/understanding") == 2
    assert llm.calls == 0  # no chat completion was involved


async def test_later_identification_errors_come_in_gateway_envelopes(
    sims: tuple[AssemblyAISim, LLMSim],
) -> None:
    stt, llm = sims
    plain = await diarized(stt)
    async with aiohttp.ClientSession(headers={"authorization": stt.api_key}) as http:
        body = {"audio_url": "https://example.com/b.mp3", "speech_models": MODELS}
        async with http.post(f"{stt.base_url}/v2/transcript", json=body) as r:
            undiarized = (await r.json())["id"]
    stt.script("https://example.com/slow.mp3", utterances=TURNS, never_complete=True)
    async with transcriber(stt) as t:
        config = aai.TranscriptionConfig(speech_models=MODELS, speaker_labels=True)
        pending = (await t.submit("https://example.com/slow.mp3", config)).id
    await asyncio.sleep(0.1)

    async def failure(transcript_id: str, request: dict[str, Any]) -> aai.types.LLMGatewayError:
        async with gateway(llm) as gw:
            with pytest.raises(aai.types.LLMGatewayError) as caught:
                await gw.understanding.create(transcript_id=transcript_id, request=request)
        return caught.value

    missing = await failure("no-such-transcript", names_asked("Priya Shah"))
    not_diarized = await failure(undiarized, names_asked("Priya Shah"))
    not_done = await failure(pending, names_asked("Priya Shah"))
    bad_type = await failure(plain.id, names_asked(kind="alias"))
    llm.assemblyai = None
    detached = await failure(plain.id, names_asked("Priya Shah"))

    assert (missing.status_code, str(missing)) == (404, "transcript not found")
    assert (not_diarized.status_code, not_diarized.errors) == (400, [NEEDS_DIARIZATION])
    assert not_done.status_code == 400 and "not completed" in not_done.errors[0]
    assert bad_type.status_code == 400 and "speaker_type" in bad_type.errors[0]
    assert detached.status_code == 404
    assert stt.identifications == [] and llm.understanding.answered == 0


async def test_validate_checks_without_running(sims: tuple[AssemblyAISim, LLMSim]) -> None:
    stt, llm = sims
    transcript = await diarized(stt)
    async with gateway(llm) as gw:
        await gw.understanding.validate(request=names_asked("Priya Shah"))
        await gw.understanding.validate(request=names_asked("Priya Shah"),
                                        transcript_id=transcript.id)
        with pytest.raises(aai.types.LLMGatewayError) as invalid:
            await gw.understanding.validate(request=names_asked(kind="role"))

    assert invalid.value.status_code == 400
    assert stt.identifications == [] and llm.count("POST", "/v1/understanding/validate") == 3


async def test_the_understanding_endpoint_has_its_own_rate_limit(
    sims: tuple[AssemblyAISim, LLMSim],
) -> None:
    stt, llm = sims
    transcript = await diarized(stt)
    llm.understanding.rate_limit(2, 60)
    body = {"transcript_id": transcript.id,
            "speech_understanding": {"request": names_asked("Priya Shah")}}
    replies = []
    async with aiohttp.ClientSession(headers={"authorization": f"Bearer {llm.api_key}"}) as http:
        for _ in range(3):
            async with http.post(f"{llm.base_url}/v1/understanding", json=body) as r:
                replies.append((r.status, r.headers.copy(), await r.json()))

    assert [status for status, _, _ in replies] == [200, 200, 429]
    _, headers, limited = replies[2]
    assert limited["message"] == "too many requests for this action" and limited["code"] == 429
    assert 55 <= int(headers["retry-after"]) <= 60 and headers["x-ratelimit-remaining"] == "0"
    assert headers["x-ratelimit-service"] == "speech-understanding"
    assert replies[0][1]["x-ratelimit-remaining"] == "1"
    assert llm.understanding.rate_limited == 1 and len(stt.identifications) == 2


async def test_the_sample_stand_up_and_long_meetings_know_their_people() -> None:
    async with AssemblyAISim(processing_seconds=0.05) as stt:
        stt.script("https://example.com/long.mp3", utterances=meeting(3, speakers=4),
                   names=meeting_names(4))
        asked = {"request": names_asked("alice", "Carmen", "Dmitri")}
        config = aai.TranscriptionConfig(speech_models=MODELS, speaker_labels=True,
                                         speech_understanding=asked)
        async with transcriber(stt) as t:
            sample = await t.transcribe("https://example.com/standup.mp3", config)
            long = await t.transcribe("https://example.com/long.mp3", config)

    assert sample.speech_understanding.response.speaker_identification.mapping == {
        "A": "alice", "C": "Carmen"}
    assert {u.speaker for u in sample.utterances} == {"alice", "B", "Carmen"}
    assert long.speech_understanding.response.speaker_identification.mapping == {
        "A": "alice", "C": "Carmen", "D": "Dmitri"}
