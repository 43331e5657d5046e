"""The AssemblyAI edge against its simulator: what goes over the wire, what comes back."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator

import pytest

from bot.core.polling import deadline_for
from bot.edges.transcriber import Transcriber
from bot.errors import (
    ConfigError,
    ServiceUnavailable,
    SourceRejected,
    TranscriptionFailed,
    TranscriptionTimedOut,
)
from bot.sim.assemblyai import AssemblyAISim

MODELS = ["universal-3-pro", "universal-2"]
TURNS = [("A", 0, 2500, "Morning, everyone."), ("B", 2600, 7100, "Let's ship on Friday.")]


@pytest.fixture
async def sim():
    async with AssemblyAISim(processing_seconds=0.1) as server:
        yield server


def make(sim: AssemblyAISim, **kwargs) -> Transcriber:
    options = dict(
        api_key=sim.api_key,
        base_url=sim.base_url,
        speech_models=MODELS,
        poll_interval=0.02,
        backoff=0.001,
    )
    return Transcriber(**(options | kwargs))


@pytest.fixture
async def transcriber(sim):
    client = make(sim)
    yield client
    await client.aclose()


def chunks_of(data: bytes, size: int = 64 * 1024):
    opened = []

    async def open_chunks() -> AsyncIterator[bytes]:
        opened.append(1)
        for i in range(0, len(data), size):
            await asyncio.sleep(0)
            yield data[i : i + size]

    return open_chunks, opened


async def test_upload_streams_the_bytes_with_their_length(sim, transcriber):
    data = bytes(range(256)) * 4096  # 1 MiB
    open_chunks, _ = chunks_of(data)

    url = await transcriber.upload(open_chunks, len(data))

    assert url.startswith("https://cdn.assemblyai.com/upload/")
    assert sim.uploaded[0].size == len(data)
    assert sim.uploaded[0].sha256 == hashlib.sha256(data).hexdigest()
    assert sim.requests[0].headers["content-length"] == str(len(data))


async def test_upload_of_unknown_size_is_sent_chunked(sim, transcriber):
    open_chunks, _ = chunks_of(b"x" * 200_000)
    await transcriber.upload(open_chunks)
    assert sim.uploaded[0].size == 200_000
    assert sim.requests[0].headers.get("transfer-encoding") == "chunked"


async def test_upload_retries_server_errors_by_reopening_the_source(sim, transcriber):
    sim.fail_next("/v2/upload", 503, times=2)
    open_chunks, opened = chunks_of(b"audio" * 1000)

    await transcriber.upload(open_chunks, 5000)

    assert len(opened) == 3 and sim.uploads == 3
    assert [u.size for u in sim.uploaded] == [5000]


async def test_a_source_refused_mid_stream_is_not_retried(sim, transcriber):
    opened = []

    async def too_big() -> AsyncIterator[bytes]:
        opened.append(1)
        yield b"x" * 1000
        raise SourceRejected("This file is over the 1 MB limit.")

    with pytest.raises(SourceRejected, match="over the 1 MB limit"):
        await transcriber.upload(too_big)
    assert len(opened) == 1 and sim.uploaded == []


async def test_upload_file_streams_a_local_file(sim, transcriber, tmp_path):
    path = tmp_path / "standup.wav"
    path.write_bytes(b"RIFF" + bytes(300_000))
    await transcriber.upload_file(str(path))
    assert sim.uploaded[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


async def test_submit_asks_for_speakers_models_and_language_detection(sim, transcriber):
    transcript_id = await transcriber.submit("https://example.com/standup.mp3")

    sent = next(r.json for r in sim.requests if r.path == "/v2/transcript")
    assert transcript_id in sim.transcript_ids
    assert sent["speaker_labels"] is True and sent["language_detection"] is True
    assert sent["speech_models"] == MODELS
    assert "webhook_url" not in sent


async def test_submit_with_a_webhook_sends_its_secret_header(sim):
    client = make(
        sim, webhook_url="https://recap.example/assemblyai/webhook", webhook_secret="s3cret"
    )
    try:
        await client.submit("https://example.com/standup.mp3")
    finally:
        await client.aclose()
    sent = next(r.json for r in sim.requests if r.path == "/v2/transcript")
    assert sent["webhook_url"] == "https://recap.example/assemblyai/webhook"
    assert sent["webhook_auth_header_name"] == "X-Recap-Webhook"
    assert sent["webhook_auth_header_value"] == "s3cret"


async def test_wait_follows_the_job_to_a_transcript_in_ms(sim, transcriber):
    sim.script("*", utterances=TURNS)
    transcript_id = await transcriber.submit("https://example.com/standup.mp3")
    seen: list[str] = []

    async def on_poll(status: str) -> None:
        seen.append(status)

    transcript = await transcriber.wait(transcript_id, deadline_s=5, on_poll=on_poll)

    assert seen[0] in ("queued", "processing") and seen[-1] == "completed"
    assert transcript.id == transcript_id
    assert [(u.speaker, u.start_ms, u.end_ms) for u in transcript.utterances] == [
        ("A", 0, 2500),
        ("B", 2600, 7100),
    ]
    assert transcript.utterances[1].text == "Let's ship on Friday."
    assert transcript.duration_ms == 8000  # audio_duration is whole seconds, rounded up
    assert transcript.language == "en_us"
    assert transcript.speech_model == "universal-3-pro"


async def test_a_job_of_known_length_is_first_looked_at_near_its_expected_completion(sim):
    # poll 0.02: every constant scales with it, so 10 minutes of audio are expected in ~0.1 s
    # and the window opens at ~0.06 s; the job is queued for its first 0.025 s.
    client = make(sim, poll_interval=0.02)
    sim.script("*", utterances=TURNS, processing_seconds=0.1)
    seen: list[str] = []

    async def on_poll(status: str) -> None:
        seen.append(status)

    try:
        transcript_id = await client.submit("https://example.com/standup.mp3")
        await client.wait(transcript_id, deadline_s=5, on_poll=on_poll,
                          duration_ms=10 * 60_000, look_first=False)
    finally:
        await client.aclose()
    assert "queued" not in seen and seen[-1] == "completed"
    assert sim.gets == len(seen)


async def test_fetch_reports_an_unfinished_job(sim, transcriber):
    sim.script("*", never_complete=True)
    status = await transcriber.fetch(await transcriber.submit("https://example.com/a.mp3"))
    assert status.status in ("queued", "processing") and status.transcript is None


async def test_a_failed_job_raises_with_assemblyai_reason(sim, transcriber):
    sim.script("*", error="Audio duration is too short.")
    transcript_id = await transcriber.submit("https://example.com/blip.mp3")
    with pytest.raises(TranscriptionFailed) as caught:
        await transcriber.wait(transcript_id, deadline_s=5)
    assert str(caught.value) == (
        "AssemblyAI could not transcribe this recording: Audio duration is too short."
    )


async def test_a_job_past_its_deadline_times_out(sim, transcriber):
    sim.script("*", never_complete=True)
    transcript_id = await transcriber.submit("https://example.com/long.mp3")
    with pytest.raises(TranscriptionTimedOut):
        await transcriber.wait(transcript_id, deadline_s=0.15)


async def test_429_on_create_waits_for_retry_after(sim, transcriber):
    sim.fail_next("/v2/transcript", 429, retry_after=0.3)
    started = time.monotonic()
    await transcriber.submit("https://example.com/a.mp3")
    assert time.monotonic() - started >= 0.3
    assert sim.creates == 2


async def test_server_errors_on_get_are_retried(sim, transcriber):
    transcript_id = await transcriber.submit("https://example.com/a.mp3")
    sim.fail_next("/v2/transcript/", 500, times=2)
    status = await transcriber.fetch(transcript_id)
    assert status.status in ("queued", "processing", "completed") and sim.gets == 3


async def test_a_service_that_keeps_failing_gives_up_after_four_attempts(sim, transcriber):
    sim.fail_next("/v2/transcript", 503, times=10)
    with pytest.raises(ServiceUnavailable) as caught:
        await transcriber.submit("https://example.com/a.mp3")
    assert str(caught.value) == "AssemblyAI kept failing (HTTP 503) after 4 attempts."
    assert sim.creates == 4


async def test_an_unreachable_host_is_retried_then_reported(sim):
    client = make(sim, base_url="http://127.0.0.1:9")  # discard port: nothing listens
    try:
        with pytest.raises(ServiceUnavailable, match="AssemblyAI kept failing"):
            await client.submit("https://example.com/a.mp3")
    finally:
        await client.aclose()


async def test_a_file_from_another_project_is_a_config_error_not_retried(sim, transcriber):
    sim.wrong_project = True
    with pytest.raises(ConfigError, match="ASSEMBLYAI_API_KEY") as caught:
        await transcriber.submit("https://cdn.assemblyai.com/upload/abc")
    assert "Cannot access uploaded file" in str(caught.value)
    assert sim.creates == 1


async def test_a_wrong_key_is_named_but_never_shown(sim):
    client = make(sim, api_key="wrong-key-123")
    try:
        with pytest.raises(ConfigError) as caught:
            await client.submit("https://example.com/a.mp3")
        ok, message = await client.check()
    finally:
        await client.aclose()
    assert str(caught.value) == "AssemblyAI rejected ASSEMBLYAI_API_KEY."
    assert not ok and message == "AssemblyAI rejected ASSEMBLYAI_API_KEY."
    assert "wrong-key-123" not in str(caught.value)


async def test_check_with_a_good_key(transcriber):
    ok, message = await transcriber.check()
    assert ok, message


async def test_delete_removes_the_text_and_tolerates_a_missing_transcript(sim, transcriber):
    sim.script("*", utterances=TURNS)
    transcript_id = await transcriber.submit("https://example.com/a.mp3")
    await transcriber.wait(transcript_id, deadline_s=5)

    await transcriber.delete(transcript_id)
    await transcriber.delete("no-such-transcript")

    assert sim.transcript(transcript_id)["text"] == "Deleted by user."
    assert sim.deletes == 2


def test_deadline_scales_with_the_recording():
    assert deadline_for(60_000) == 15 * 60  # short recordings: the 15-minute floor
    assert deadline_for(2 * 3600_000) == 3 * 2 * 3600  # long ones: 3x their length
    assert deadline_for(None) == 2 * 3600


def list_gets(sim: AssemblyAISim) -> int:
    return sum(1 for r in sim.requests if r.method == "GET" and r.path == "/v2/transcript")


async def test_a_create_whose_answer_was_dropped_is_found_in_the_list(sim, transcriber):
    other = await transcriber.submit("https://media.example.com/other.mp3")
    sim.drop_after_create(1)
    found = await transcriber.submit("https://media.example.com/standup.mp3")

    assert sim.creates == 2 and list_gets(sim) == 1  # listed once, never created again
    assert found != other and sim.transcript_ids == [other, found]
    assert sim.transcript(found)["audio_url"] == "https://media.example.com/standup.mp3"


async def test_a_dropped_create_not_in_the_list_is_made_again(sim, transcriber):
    sim.drop_before_create(1)  # the connection broke before AssemblyAI made anything
    made = await transcriber.submit("https://media.example.com/standup.mp3")
    assert sim.creates == 2 and list_gets(sim) == 1 and sim.transcript_ids == [made]


async def test_a_refused_or_failed_create_is_retried_without_listing(sim, transcriber):
    sim.fail_next("/v2/transcript", 503)  # answered: nothing was made
    await transcriber.submit("https://media.example.com/standup.mp3")
    assert sim.creates == 2 and list_gets(sim) == 0 and len(sim.transcript_ids) == 1
