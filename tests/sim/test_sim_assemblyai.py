"""The AssemblyAI simulator speaks API-NOTES §1: the official SDK drives it; faults are real."""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import wave
from collections.abc import AsyncIterator

import aiohttp
import assemblyai as aai
import pytest
from aiohttp import web
from assemblyai.types import ListTranscriptParameters, TranscriptResponse

from bot.sim.assemblyai import (
    AUTH_ERROR,
    HTML_ERROR,
    NOT_FOUND_ERROR,
    SAMPLE_AUDIO,
    AssemblyAISim,
    download_error,
    meeting,
    sample_utterances,
)

MODELS = ["universal-3-pro", "universal-2"]
TURNS = [("A", 0, 2500, "Morning, everyone."), ("B", 2600, 7150, "Let's ship on Friday.")]


@pytest.fixture
async def sim() -> AsyncIterator[AssemblyAISim]:
    async with AssemblyAISim(processing_seconds=0.1, webhook_retry_interval=0.02) as server:
        yield server


@pytest.fixture
async def http(sim: AssemblyAISim) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"authorization": sim.api_key}
    async with aiohttp.ClientSession(sim.base_url, headers=headers) as session:
        yield session


def sdk(sim: AssemblyAISim) -> aai.AsyncClient:
    settings = aai.Settings(api_key=sim.api_key, base_url=sim.base_url, polling_interval=0.05)
    return aai.AsyncClient(settings=settings)


async def create(http: aiohttp.ClientSession, audio_url: str, **params: object) -> dict:
    async with http.post("/v2/transcript", json={"audio_url": audio_url, **params}) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def get(http: aiohttp.ClientSession, transcript_id: str) -> tuple[int, dict]:
    async with http.get(f"/v2/transcript/{transcript_id}") as r:
        return r.status, await r.json()


async def test_sdk_uploads_and_transcribes_the_sample_stand_up(sim: AssemblyAISim) -> None:
    config = aai.TranscriptionConfig(speech_models=MODELS, speaker_labels=True)
    async with sdk(sim) as client:
        transcript = await aai.AsyncTranscriber(client=client).transcribe(str(SAMPLE_AUDIO), config)

    assert transcript.status == "completed"
    assert [u.speaker for u in transcript.utterances[:3]] == ["A", "B", "A"]
    assert "Carmen, can you send the draft to legal by Wednesday" in transcript.text
    assert transcript.speech_model_used == "universal-3-pro"
    assert transcript.audio_duration == math.ceil(sample_utterances()[-1][2] / 1000)
    assert transcript.utterances[0].words[0].text == "Morning,"
    audio = SAMPLE_AUDIO.read_bytes()
    assert sim.uploaded[0].size == len(audio)
    assert sim.uploaded[0].sha256 == hashlib.sha256(audio).hexdigest()
    assert (sim.uploads, sim.creates) == (1, 1) and sim.gets >= 1


async def test_a_chunked_upload_is_counted_as_it_streams(sim: AssemblyAISim, http) -> None:
    async def body() -> AsyncIterator[bytes]:
        for i in range(40):
            yield bytes([i]) * 50_000

    async with http.post("/v2/upload", data=body()) as r:
        upload_url = (await r.json())["upload_url"]

    assert upload_url.startswith("https://cdn.assemblyai.com/upload/")
    expected = b"".join(bytes([i]) * 50_000 for i in range(40))
    assert sim.uploaded[0].size == 2_000_000 == sim.requests[0].body_size
    assert sim.uploaded[0].sha256 == hashlib.sha256(expected).hexdigest()
    assert sim.requests[0].headers.get("transfer-encoding") == "chunked"


async def test_the_job_goes_queued_processing_completed_and_every_reply_parses(
    sim: AssemblyAISim, http
) -> None:
    sim.script("*", utterances=TURNS, processing_seconds=0.4)
    created = await create(http, "https://example.com/a.mp3", speech_models=MODELS,
                           language_detection=True, webhook_url="http://127.0.0.1:9/hook",
                           webhook_auth_header_name="x-secret", webhook_auth_header_value="v")
    sim.webhook_enabled = False
    seen = [created]
    for pause in (0.2, 0.3):
        await asyncio.sleep(pause)
        seen.append((await get(http, created["id"]))[1])

    assert [s["status"] for s in seen] == ["queued", "processing", "completed"]
    for body in seen:
        TranscriptResponse.parse_obj(body)  # the SDK would raise on a bad shape
        assert body["speech_model"] is None and body["speech_model_used"] == "universal-3-pro"
        assert body["webhook_auth"] is True and "webhook_auth_header_value" not in body
    assert created["text"] is None and created["audio_url"] == "https://example.com/a.mp3"
    done = seen[-1]
    assert done["text"] == "Morning, everyone. Let's ship on Friday."
    assert done["language_code"] == "en_us" and done["audio_duration"] == 8
    assert done["utterances"] is None  # no speaker_labels asked for
    assert {w["speaker"] for w in done["words"]} == {None}
    assert all(isinstance(w["start"], int) and isinstance(w["end"], int) for w in done["words"])


async def test_scripts_match_an_upload_by_digest_or_a_url(sim: AssemblyAISim, http) -> None:
    audio = b"RIFF-fake-audio" * 100
    sim.script(hashlib.sha256(audio).hexdigest(), utterances=TURNS, language_code="fr")
    sim.script("https://example.com/other.mp3", utterances=[("A", 0, 1000, "Autre.")])
    async with http.post("/v2/upload", data=audio) as r:
        upload_url = (await r.json())["upload_url"]
    by_digest = await create(http, upload_url, speaker_labels=True, language_detection=True)
    by_url = await create(http, "https://example.com/other.mp3")
    await asyncio.sleep(0.15)

    first, second = (await get(http, by_digest["id"]))[1], (await get(http, by_url["id"]))[1]
    assert [u["text"] for u in first["utterances"]] == [t[3] for t in TURNS]
    assert first["language_code"] == "fr"
    assert second["text"] == "Autre."


async def test_failed_jobs_carry_assemblyai_documented_reasons(sim: AssemblyAISim, http) -> None:
    async with http.post("/v2/upload", data=b"<!DOCTYPE html><html>Sign in to Slack</html>") as r:
        html_url = (await r.json())["upload_url"]
    html = await create(http, html_url)
    missing = await create(http, "https://cdn.assemblyai.com/upload/never-uploaded")
    sim.script("https://example.com/short.mp3", error="Audio duration is too short.")
    config = aai.TranscriptionConfig(speech_models=MODELS)
    async with sdk(sim) as client:
        short = await aai.AsyncTranscriber(client=client).transcribe(
            "https://example.com/short.mp3", config
        )

    assert short.status == "error" and short.error == "Audio duration is too short."
    html_body, missing_body = (await get(http, html["id"]))[1], (await get(http, missing["id"]))[1]
    assert (html_body["status"], html_body["error"]) == ("error", HTML_ERROR)
    assert missing_body["error"] == download_error("https://cdn.assemblyai.com/upload/never-uploaded")
    assert html_body["text"] is None
    TranscriptResponse.parse_obj(html_body)


async def test_keys_raw_or_bearer_and_a_wrong_key_is_401(sim: AssemblyAISim) -> None:
    async with aiohttp.ClientSession(sim.base_url) as session:
        bearer = {"authorization": f"Bearer {sim.api_key}"}
        async with session.post("/v2/transcript", json={"audio_url": "https://x.y/a.mp3"},
                                headers=bearer) as ok:
            assert ok.status == 200
        async with session.get("/v2/transcript", headers={"authorization": "nope"}) as wrong:
            assert (wrong.status, await wrong.json()) == (401, {"error": AUTH_ERROR})
        async with session.post("/v2/upload", data=b"abc") as missing:
            assert missing.status == 401
    assert sim.uploaded == []


async def test_unknown_or_expired_transcripts_are_a_lookup_error(sim: AssemblyAISim, http) -> None:
    created = await create(http, "https://example.com/a.mp3")
    sim.expire(created["id"])

    assert await get(http, created["id"]) == (400, {"error": NOT_FOUND_ERROR})
    assert (await get(http, "not-an-id"))[0] == 400
    async with sdk(sim) as client:
        with pytest.raises(aai.types.TranscriptError, match="transcript id not found"):
            await aai.AsyncTranscriber(client=client).get_by_id(created["id"])


async def test_delete_blanks_the_text_but_keeps_a_parseable_transcript(sim: AssemblyAISim) -> None:
    sim.script("*", utterances=TURNS)
    async with sdk(sim) as client:
        transcriber = aai.AsyncTranscriber(client=client)
        done = await transcriber.transcribe("https://example.com/a.mp3")
        deleted = await transcriber.delete_by_id(done.id)

    assert (deleted.status, deleted.text, deleted.utterances) == ("completed", "Deleted by user.",
                                                                  None)
    assert sim.transcript(done.id)["text"] == "Deleted by user." and sim.deletes == 1


async def test_injected_429_500_and_latency(sim: AssemblyAISim, http) -> None:
    sim.fail_next("/v2/transcript", 429, retry_after=3)
    sim.fail_next("/v2/upload", 500, times=2)
    async with http.post("/v2/transcript", json={"audio_url": "https://x.y/a.mp3"}) as r:
        assert (r.status, r.headers["Retry-After"]) == (429, "3")
        assert await r.json() == {"error": "Too Many Requests"}
    for _ in range(2):
        async with http.post("/v2/upload", data=b"x") as r:
            assert r.status == 500
    sim.delay("/v2/transcript", 0.2)
    started = time.monotonic()
    await create(http, "https://x.y/a.mp3")

    assert time.monotonic() - started >= 0.2
    assert (sim.creates, sim.uploads, sim.uploaded) == (2, 2, [])
    assert [r.status for r in sim.requests] == [429, 500, 500, 200]


async def test_a_key_from_another_project_cannot_use_the_upload(sim: AssemblyAISim, http) -> None:
    sim.wrong_project = True
    async with http.post("/v2/transcript", json={"audio_url": "https://x.y/a.mp3"}) as r:
        assert (r.status, await r.json()) == (403, {"error": "Cannot access uploaded file"})
    async with http.post("/v2/transcript", json={"speakers_expected": 2}) as r:
        assert r.status == 400


async def test_the_sdk_lists_transcripts_newest_first(sim: AssemblyAISim, http) -> None:
    ids = [(await create(http, f"https://x.y/{i}.mp3"))["id"] for i in range(3)]
    async with sdk(sim) as client:
        page = await aai.AsyncTranscriber(client=client).list_transcripts(
            ListTranscriptParameters(limit=2)
        )
    assert [t.id for t in page.transcripts] == ids[::-1][:2]
    assert page.page_details.result_count == 2


# -- webhooks ---------------------------------------------------------------------------------
class Receiver:
    """A webhook endpoint answering with scripted statuses, recording what arrived."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.received = statuses, []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.json(), dict(request.query)))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook?job=7"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def until(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_webhook_retries_5xx_then_carries_the_secret_header(sim: AssemblyAISim, http):
    async with Receiver([500, 503, 200]) as hook:
        created = await create(http, "https://x.y/a.mp3", webhook_url=hook.url,
                               webhook_auth_header_name="X-Recap-Secret",
                               webhook_auth_header_value="s3cret")
        await until(lambda: len(hook.received) == 3)

    headers, payload, query = hook.received[-1]
    assert payload == {"transcript_id": created["id"], "status": "completed"}
    assert headers["X-Recap-Secret"] == "s3cret" and query == {"job": "7"}
    assert [w.status_code for w in sim.webhooks] == [500, 503, 200]
    assert sim.transcript(created["id"])["webhook_status_code"] == 200


async def test_webhook_stops_at_a_4xx_and_reports_failed_jobs(sim: AssemblyAISim, http) -> None:
    sim.script("*", error="Audio duration is too short.")
    async with Receiver([404]) as hook:
        created = await create(http, "https://x.y/a.mp3", webhook_url=hook.url)
        await until(lambda: len(sim.webhooks) == 1)
        await asyncio.sleep(0.1)

    assert len(hook.received) == 1 and hook.received[0][1]["status"] == "error"
    assert sim.transcript(created["id"])["webhook_status_code"] == 404


async def test_webhooks_can_be_duplicated_or_lost(sim: AssemblyAISim, http) -> None:
    async with Receiver([]) as hook:
        sim.webhook_duplicates = 2
        await create(http, "https://x.y/a.mp3", webhook_url=hook.url)
        await until(lambda: len(hook.received) == 3)
        sim.webhook_duplicates, sim.webhook_enabled = 0, False
        await create(http, "https://x.y/b.mp3", webhook_url=hook.url)
        await until(lambda: sim.webhooks_dropped == 1)

    assert len({str(body) for _, body, _ in hook.received}) == 1
    assert [w.duplicate for w in sim.webhooks] == [False, True, True]


# -- content ----------------------------------------------------------------------------------
def test_the_sample_is_a_small_wav_and_a_four_minute_stand_up() -> None:
    with wave.open(str(SAMPLE_AUDIO)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
    assert SAMPLE_AUDIO.stat().st_size < 300_000
    turns = sample_utterances()
    assert {t[0] for t in turns} == {"A", "B", "C"}
    assert 180_000 <= turns[-1][2] <= 250_000
    text = " ".join(t[3] for t in turns)
    assert all(name in text for name in ("Alice", "Bob", "Carmen"))
    assert "we decided to move the launch to May twelfth" in text


def test_meeting_is_long_deterministic_and_has_owned_dated_asks() -> None:
    three_hours = meeting(180)
    words = sum(len(t[3].split()) for t in three_hours)
    minutes = three_hours[-1][2] / 60_000

    assert 179 <= minutes <= 182 and 130 <= words / minutes <= 170
    assert meeting(180) == three_hours and meeting(180, seed=1) != three_hours
    assert all(a[2] <= b[1] for a, b in zip(three_hours, three_hours[1:], strict=False))
    text = " ".join(t[3] for t in three_hours)
    assert text.count("can you") >= 30 and text.count("We decided to") >= 10
    assert {t[0] for t in meeting(10, speakers=5)} == {"A", "B", "C", "D", "E"}


async def test_a_long_meeting_parses_with_the_sdk(sim: AssemblyAISim) -> None:
    sim.script("*", utterances=meeting(30, seed=2), processing_seconds=0.05)
    config = aai.TranscriptionConfig(speech_models=MODELS, speaker_labels=True)
    async with sdk(sim) as client:
        transcript = await aai.AsyncTranscriber(client=client).transcribe("https://x.y/a.mp3",
                                                                          config)
    assert transcript.status == "completed" and 29 * 60 <= transcript.audio_duration <= 31 * 60
    assert len(transcript.words) == sum(len(u.words) for u in transcript.utterances) > 3000
