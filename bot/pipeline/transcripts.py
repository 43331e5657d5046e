"""Source -> transcript, cached: one recording, one transcription.

A Slack file is streamed from Slack into AssemblyAI's upload, a local file is streamed from
disk, a public link goes to AssemblyAI as it is, a transcript file is parsed here. The id is
stored the moment AssemblyAI answers, so a restart resumes by polling it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable

from bot.core.polling import deadline_for, safety_delay
from bot.core.sources import Source
from bot.core.transcript import Transcript
from bot.core.transcript_files import parse_transcript_file
from bot.deps import Deps
from bot.edges.slack_files import check_host, open_download, slack_file_hosts
from bot.errors import RecapError, SourceRejected, TranscriptionFailed, TranscriptionTimedOut
from bot.pipeline.names import candidates_ready, remember_names
from bot.pipeline.progress import Progress, ProgressFn, quiet

log = logging.getLogger(__name__)
SubmittedFn = Callable[[str], Awaitable[None]]


async def get_transcript(
    deps: Deps,
    source: Source,
    *,
    team_id: str = "",
    progress: ProgressFn = quiet,
    known_id: str | None = None,
    on_submitted: SubmittedFn | None = None,
    channel: str = "",
    candidates: asyncio.Future[list[str]] | None = None,
) -> tuple[Transcript, bool]:
    """The transcript of `source` and whether it came from the cache.

    `candidates` (names gathered while the file uploads) go into the create for Speaker
    Identification (bot.pipeline.names); what it names is stored for (team, transcript) with
    `channel` before the lock is let go, so a second drop waiting on it sees the names.

    One recording, one transcription: the cache, an id submitted earlier (a restart, a second
    drop) and a per-source lock all stand between a source and a second submission. A
    transcript that ended in error at AssemblyAI is unlinked from its source, so a later share
    or Retry submits again; `known_id` (the job's) counts only while the source still links it.
    """
    async with deps.lock(source.key):
        cached = await deps.store.find_transcript(source.key)
        if cached is not None:
            return cached, True
        if source.is_transcript:
            transcript = await _read_transcript_file(deps, source)
        else:
            deps.transcriber  # noqa: B018 - without ASSEMBLYAI_API_KEY, say so before uploading
            linked = await deps.store.find_transcript_id(source.key)
            transcript_id = known_id if known_id is not None and known_id == linked else linked
            fresh = transcript_id is None
            loop = asyncio.get_running_loop()
            created = loop.time()
            if transcript_id is None:
                audio_url = await _audio_url(deps, source, progress)
                names = await candidates_ready(candidates)
                created = loop.time()  # AssemblyAI's clock starts as the create reaches it
                # Once AssemblyAI answers the create, its id is stored even if SIGTERM lands.
                transcript_id = await deps.uninterrupted(
                    _submit(deps, source, team_id, audio_url, on_submitted, names)
                )
            elif on_submitted is not None:
                await on_submitted(transcript_id)
            length = f"{_length(source.duration_ms)} of " if source.duration_ms else ""
            await progress(Progress("transcribing", f"Transcribing {length}audio"))
            try:
                transcript = await _wait(deps, transcript_id, source.duration_ms, fresh=fresh,
                                         age=loop.time() - created)
            except TranscriptionTimedOut:
                raise  # still being made: a Retry picks up the same id
            except TranscriptionFailed:  # ended in error: never a cache hit, never an orphan
                await deps.store.unlink_recording(source.key, transcript_id)
                await _delete_quietly(deps, transcript_id)
                raise
        await deps.store.save_transcript(source.key, team_id, source.name, transcript)
        await remember_names(deps, team_id, channel, transcript,
                             transcript.extra.get("identified") or {})
        return transcript, False


async def _delete_quietly(deps: Deps, transcript_id: str) -> None:
    """The failed transcript (and its upload) deleted at AssemblyAI: once unlinked, neither
    Forget nor retention would find it. Best effort: the failure's sentence matters more."""
    try:
        await deps.transcriber.delete(transcript_id)
    except RecapError as error:
        log.warning("could not delete failed transcript %s: %s", transcript_id, error)


def _length(ms: int) -> str:
    """"4 minutes", "1 minute", "16 seconds": a short clip is not "0 minutes" of audio."""
    short = ms < 60_000
    count, unit = (max(1, round(ms / 1000)), "second") if short else (round(ms / 60_000), "minute")
    return f"{count} {unit}{'s' if count != 1 else ''}"


async def _submit(
    deps: Deps, source: Source, team_id: str, audio_url: str, on_submitted: SubmittedFn | None,
    names: list[str],
) -> str:
    transcript_id = await deps.transcriber.submit(audio_url, names)
    if deps.config.public_url:  # listen for the webhook before the next await: none is missed
        deps.completions.setdefault(transcript_id, asyncio.get_running_loop().create_future())
    await deps.store.link_recording(source.key, team_id, source.name, transcript_id)
    if on_submitted is not None:
        await on_submitted(transcript_id)
    return transcript_id


async def _wait(
    deps: Deps, transcript_id: str, duration_ms: int | None, *, fresh: bool = False,
    age: float = 0.0,
) -> Transcript:
    """Poll AssemblyAI; with webhooks, wait for the call and poll only as a late safety net.

    A job just submitted is not looked at before its expected completion (bot.core.polling),
    counted from when its create was sent (`age` seconds ago: the create's answer and the
    id's write are not AssemblyAI's processing time, and a look scheduled from after them
    would come that much late); a resumed one (a restart, a Retry) is looked at once at
    once, since its webhook may have come and gone while Recap was down.
    """
    deadline = deadline_for(duration_ms, deps.config.poll_interval)
    waited = 0.0
    if deps.config.public_url:
        future = deps.completions.setdefault(
            transcript_id, asyncio.get_running_loop().create_future()
        )
        waiting = asyncio.get_running_loop().time()
        try:
            if fresh or (await deps.transcriber.fetch(transcript_id)).status not in (
                "completed", "error"
            ):
                waited = _safety_delay(deps, duration_ms)
                await asyncio.wait_for(asyncio.shield(future), timeout=waited)
        except TimeoutError:
            log.info("no webhook for transcript %s yet; polling instead", transcript_id)
        finally:
            deps.completions.pop(transcript_id, None)
        if future.done():  # the webhook came (or a missed one may have): look at once, and
            # if it is not done after all, on the expected schedule from the job's age
            return await deps.transcriber.wait(
                transcript_id, deadline_s=deadline, duration_ms=duration_ms,
                elapsed_s=age + asyncio.get_running_loop().time() - waiting)
    return await deps.transcriber.wait(
        transcript_id, deadline_s=deadline, duration_ms=duration_ms, elapsed_s=age + waited,
        look_first=not fresh or waited > 0,
    )


def _safety_delay(deps: Deps, duration_ms: int | None) -> float:
    """Well after the expected completion: bot.core.polling.safety_delay."""
    return safety_delay(duration_ms, deps.config.poll_interval)


async def _audio_url(deps: Deps, source: Source, progress: ProgressFn) -> str:
    """What AssemblyAI fetches: a public URL as it is, else our bytes streamed into /v2/upload."""
    if source.kind == "url" and source.url:
        return source.url
    if source.kind == "path" and source.path:
        await progress(Progress("uploading", f"Uploading {source.name}"))
        return await deps.transcriber.upload_file(source.path)
    if source.kind == "slack_file" and source.url:
        size = f" ({source.size / 1_048_576:.1f} MB)" if source.size else ""
        await progress(Progress("downloading", f"Downloading {source.name}{size}"))
        # A forged file URL is refused before any request. The download opens inside the
        # upload (Slack's answer overlaps AssemblyAI's), its first bytes are checked before
        # they pass (bot.edges.slack_files), so a refused file (a redirect off Slack, a login
        # page) stops the upload before a byte of it is sent; a retry streams the file afresh.
        check_host(source.url, slack_file_hosts(deps.config.slack_api_url))
        return await deps.transcriber.upload(
            lambda: _slack_chunks(deps, source, announced=source.size), source.size)
    raise SourceRejected("Recap cannot read this recording.")


async def _slack_chunks(
    deps: Deps, source: Source, *, max_bytes: int | None = None, announced: int | None = None
) -> AsyncGenerator[bytes, None]:
    assert source.url is not None
    async with open_download(
        deps.http,
        source.url,
        token=deps.config.slack_bot_token or "",
        allowed_hosts=slack_file_hosts(deps.config.slack_api_url),
        max_bytes=deps.config.max_file_bytes if max_bytes is None else max_bytes,
        announced=announced,
    ) as download:
        async for chunk in download.chunks:
            yield chunk


# Above this size, parsing takes long enough (~0.1 s+) to stall other jobs: it runs in a thread.
BIG_TEXT_BYTES = 1_000_000
# Transcript files (.vtt/.srt/.txt) have their own, much smaller limit than recordings
# (MAX_TRANSCRIPT_MB): a transcript of AssemblyAI's 10-hour maximum is a few MB of text.


def _transcript_too_big(limit: int) -> SourceRejected:
    return SourceRejected(
        f"This transcript file is over the {limit // 1_048_576} MB limit for transcript files, "
        "so Recap did not read it."
    )


async def _read_transcript_file(deps: Deps, source: Source) -> Transcript:
    limit = min(deps.config.max_transcript_bytes, deps.config.max_file_bytes)
    if source.size is not None and source.size > limit:  # known before a byte is read
        raise _transcript_too_big(limit)
    if source.kind == "text" and source.text is not None:
        raw = source.text.encode()
        if len(raw) > limit:
            raise _transcript_too_big(limit)
    elif source.kind == "path" and source.path:
        raw = await asyncio.to_thread(_read_capped, source.path, limit)
    else:
        raw = await _read_slack_capped(deps, source, limit)
    if len(raw) > BIG_TEXT_BYTES:
        transcript = await asyncio.to_thread(_parse_transcript, source.name, raw)
    else:
        transcript = _parse_transcript(source.name, raw)
    if transcript is None:
        raise TranscriptionFailed(f"{source.name} has no transcript text Recap can read.")
    return transcript


def _parse_transcript(name: str, raw: bytes) -> Transcript | None:
    utterances = parse_transcript_file(name, raw.decode("utf-8", errors="replace"))
    if not utterances:
        return None
    end = max(u.end_ms for u in utterances)
    digest = hashlib.sha256(raw).hexdigest()[:24]
    return Transcript(id=f"local:{digest}", utterances=tuple(utterances), duration_ms=end)


def _read_capped(path: str, limit: int) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _transcript_too_big(limit)
    return data


async def _read_slack_capped(deps: Deps, source: Source, limit: int) -> bytes:
    """The file streamed from Slack into one buffer, cut the moment it passes `limit`."""
    data = bytearray()
    chunks = _slack_chunks(deps, source, max_bytes=limit + 1)
    try:
        async for chunk in chunks:
            data += chunk
            if len(data) > limit:
                raise _transcript_too_big(limit)
    finally:
        await chunks.aclose()
    return bytes(data)
