"""The AssemblyAI sim's speech model choice, the list of transcripts, and a create whose answer
never arrives: what an app sees through the assemblyai SDK and plain HTTP on loopback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import assemblyai as aai
import httpx
import pytest
from assemblyai.types import ListTranscriptParameters

from bot.sim.assemblyai import AssemblyAISim
from bot.sim.assemblyai_json import DELETED_AUDIO_URL

TURNS = [("A", 0, 1500, "Hola a todos."), ("B", 1600, 3000, "Empezamos.")]
NAIVE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")  # TranscriptListItem


@pytest.fixture
async def sim() -> AsyncIterator[AssemblyAISim]:
    async with AssemblyAISim(processing_seconds=0.05) as server:
        yield server


def transcriber(sim: AssemblyAISim) -> aai.AsyncTranscriber:
    settings = aai.Settings(api_key=sim.api_key, base_url=sim.base_url, polling_interval=0.02)
    return aai.AsyncTranscriber(client=aai.AsyncClient(settings=settings))


async def transcribe(sim: AssemblyAISim, url: str, **config: Any) -> aai.AsyncTranscript:
    async with transcriber(sim) as t:
        return await t.transcribe(url, aai.TranscriptionConfig(**config))


async def test_assemblyai_stt_3_7_runs_and_is_reported_as_used(sim: AssemblyAISim) -> None:
    done = await transcribe(sim, "https://x.y/a.mp3",
                            speech_models=["assemblyai-stt-3-7", "universal-2"])

    assert done.status == "completed" and done.speech_model_used == "assemblyai-stt-3-7"
    assert done.json_response["speech_models"] == ["assemblyai-stt-3-7", "universal-2"]
    assert done.json_response["speech_model"] is None


async def test_fallback_goes_only_to_a_model_in_the_list(sim: AssemblyAISim) -> None:
    sim.model_languages["assemblyai-stt-3-7"] = frozenset({"en", "es"})
    sim.script("https://x.y/hindi.mp3", utterances=TURNS, language_code="hi")
    fallback = await transcribe(sim, "https://x.y/hindi.mp3", language_detection=True,
                                speech_models=["assemblyai-stt-3-7", "universal-2"])
    alone = await transcribe(sim, "https://x.y/hindi.mp3", language_detection=True,
                             speech_models=["assemblyai-stt-3-7"])
    u3_alone = await transcribe(sim, "https://x.y/hindi.mp3", language_detection=True,
                                speech_models=["universal-3-pro"])
    spanish = await transcribe(sim, "https://x.y/es.mp3", language_code="es",
                               speech_models=["universal-3-pro", "universal-2"])

    assert (fallback.status, fallback.speech_model_used) == ("completed", "universal-2")
    assert fallback.language_code == "hi"
    for refused in (alone, u3_alone):
        assert refused.status == "error" and "Language hi is not supported" in refused.error
        assert refused.text is None
    assert spanish.speech_model_used == "universal-3-pro"


async def test_without_speech_models_the_account_default_runs(sim: AssemblyAISim) -> None:
    before = await transcribe(sim, "https://x.y/a.mp3")
    sim.default_speech_model = "assemblyai-stt-3-7"
    after = await transcribe(sim, "https://x.y/a.mp3")

    assert (before.speech_model_used, after.speech_model_used) == (
        "universal-3-pro", "assemblyai-stt-3-7")


async def test_a_dropped_create_leaves_a_transcript_the_list_can_find(sim: AssemblyAISim) -> None:
    sim.drop_after_create()
    url = "https://x.y/retried.mp3"
    async with transcriber(sim) as t:
        with pytest.raises(httpx.RemoteProtocolError):
            await t.submit(url, aai.TranscriptionConfig(speech_models=["universal-2"]))
        retried = await t.submit(url, aai.TranscriptionConfig(speech_models=["universal-2"]))
        page = await t.list_transcripts(ListTranscriptParameters(limit=10))

    assert (sim.creates, sim.transcriptions, sim.creates_dropped) == (2, 2, 1)
    assert [item.audio_url for item in page.transcripts] == [url, url]
    orphan = page.transcripts[1]
    assert orphan.id != retried.id and orphan.id == sim.transcript_ids[0]
    assert sim.transcript(orphan.id)["status"] in ("queued", "processing", "completed")


async def test_the_list_pages_filters_and_marks_deleted_files(sim: AssemblyAISim) -> None:
    sim.script("https://x.y/bad.mp3", error="Audio duration is too short.")
    ids = [(await transcribe(sim, f"https://x.y/{i}.mp3", speech_models=["universal-2"])).id
           for i in range(4)]
    failed = await transcribe(sim, "https://x.y/bad.mp3", speech_models=["universal-2"])
    async with transcriber(sim) as t:
        await t.delete_by_id(ids[0])
    today = datetime.now(UTC).date().isoformat()

    async def page(**query: Any) -> dict[str, Any]:
        async with aiohttp.ClientSession(headers={"authorization": sim.api_key}) as http:
            async with http.get(f"{sim.base_url}/v2/transcript", params=query) as r:
                assert r.status == 200
                return await r.json()

    first = await page(limit=2)
    older = await page(limit=2, before_id=first["transcripts"][-1]["id"])
    newer = await page(limit=2, after_id=ids[0])
    errors = await page(status="error")
    everything = await page(limit=200, created_on=today)
    yesterday = await page(created_on="2000-01-01")

    assert [t["id"] for t in first["transcripts"]] == [failed.id, ids[3]]
    assert first["page_details"]["prev_url"].endswith(f"&before_id={ids[3]}")
    assert first["page_details"]["next_url"].endswith(f"&after_id={failed.id}")
    assert [t["id"] for t in older["transcripts"]] == [ids[2], ids[1]]
    assert [t["id"] for t in newer["transcripts"]] == [ids[2], ids[1]]
    assert [(t["id"], t["completed"], t["error"]) for t in errors["transcripts"]] == [
        (failed.id, None, "Audio duration is too short.")]
    assert everything["page_details"]["result_count"] == 5 and yesterday["transcripts"] == []
    items = {t["id"]: t for t in everything["transcripts"]}
    assert items[ids[0]]["audio_url"] == DELETED_AUDIO_URL
    assert all(NAIVE_TIME.match(t["created"]) for t in items.values())
    assert NAIVE_TIME.match(items[ids[1]]["completed"])
    assert items[ids[1]]["completed"] >= items[ids[1]]["created"]
    assert sim.lists == 6
