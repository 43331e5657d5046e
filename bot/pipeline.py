"""The recording's journey: source -> transcript (cached) -> recap (cached) -> answers.

May import: bot.core, bot.deps (and through it the edges), bot.errors, bot.judge. It knows
nothing of Slack or the terminal: callers pass a `progress` callback and decide how to show each
step.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
)
from dataclasses import dataclass
from typing import TypeVar

from bot.core import prompts
from bot.core.chunking import Chunk, chunk_transcript, estimate_tokens
from bot.core.grounding import ground
from bot.core.links import recap_unlinked, unlinked
from bot.core.recap import Recap, recap_from_llm
from bot.core.sources import Source
from bot.core.transcript import Transcript
from bot.core.transcript_files import parse_transcript_file
from bot.deps import Deps
from bot.errors import Forgotten, SourceRejected, TranscriptionFailed
from bot.judge import checked
from bot.slack_files import open_download, slack_file_hosts
from bot.transcriber import deadline_for

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """One step of a job, worded for a person: "Transcribing 12 minutes of audio"."""

    stage: str
    detail: str
    part: int = 0
    total: int = 0


ProgressFn = Callable[[Progress], Awaitable[None]]
SubmittedFn = Callable[[str], Awaitable[None]]


async def _quiet(_: Progress) -> None:
    return None


async def get_transcript(
    deps: Deps,
    source: Source,
    *,
    team_id: str = "",
    progress: ProgressFn = _quiet,
    known_id: str | None = None,
    on_submitted: SubmittedFn | None = None,
) -> tuple[Transcript, bool]:
    """The transcript of `source` and whether it came from the cache.

    One recording, one transcription: the cache, an id submitted earlier (a restart, a second
    drop) and a per-source lock all stand between a source and a second submission.
    """
    async with deps.lock(source.key):
        cached = await deps.store.find_transcript(source.key)
        if cached is not None:
            return cached, True
        if source.is_transcript:
            transcript = await _read_transcript_file(deps, source)
        else:
            deps.transcriber  # noqa: B018 - without ASSEMBLYAI_API_KEY, say so before uploading
            transcript_id = known_id or await deps.store.find_transcript_id(source.key)
            if transcript_id is None:
                audio_url = await _audio_url(deps, source, progress)
                # Once AssemblyAI answers the create, its id is stored even if SIGTERM lands.
                transcript_id = await deps.uninterrupted(
                    _submit(deps, source, team_id, audio_url, on_submitted)
                )
            elif on_submitted is not None:
                await on_submitted(transcript_id)
            length = f"{_length(source.duration_ms)} of " if source.duration_ms else ""
            await progress(Progress("transcribing", f"Transcribing {length}audio"))
            transcript = await _wait(deps, transcript_id, source.duration_ms)
        await deps.store.save_transcript(source.key, team_id, source.name, transcript)
        return transcript, False


def _length(ms: int) -> str:
    """"4 minutes", "1 minute", "16 seconds": a short clip is not "0 minutes" of audio."""
    short = ms < 60_000
    count, unit = (max(1, round(ms / 1000)), "second") if short else (round(ms / 60_000), "minute")
    return f"{count} {unit}{'s' if count != 1 else ''}"


async def _submit(
    deps: Deps, source: Source, team_id: str, audio_url: str, on_submitted: SubmittedFn | None
) -> str:
    transcript_id = await deps.transcriber.submit(audio_url)
    await deps.store.link_recording(source.key, team_id, source.name, transcript_id)
    if on_submitted is not None:
        await on_submitted(transcript_id)
    return transcript_id


async def _wait(deps: Deps, transcript_id: str, duration_ms: int | None) -> Transcript:
    """Poll AssemblyAI; with webhooks, wait for the call and poll only as a late safety net."""
    deadline = deadline_for(duration_ms, deps.config.poll_interval)
    if deps.config.public_url:
        future = deps.completions.setdefault(
            transcript_id, asyncio.get_running_loop().create_future()
        )
        try:
            # One look first: after a restart the webhook may have come and gone.
            if (await deps.transcriber.fetch(transcript_id)).status not in ("completed", "error"):
                await asyncio.wait_for(
                    asyncio.shield(future), timeout=_safety_delay(deps, duration_ms)
                )
        except TimeoutError:
            log.info("no webhook for transcript %s yet; polling instead", transcript_id)
        finally:
            deps.completions.pop(transcript_id, None)
    return await deps.transcriber.wait(transcript_id, deadline_s=deadline)


def _safety_delay(deps: Deps, duration_ms: int | None) -> float:
    """Well after the expected completion (AssemblyAI takes a fraction of real time)."""
    return max(20 * deps.config.poll_interval, (duration_ms or 0) / 1000 * 0.5)


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
        return await deps.transcriber.upload(await _opened(deps, source), source.size)
    raise SourceRejected("Recap cannot read this recording.")


async def _opened(deps: Deps, source: Source) -> Callable[[], AsyncIterable[bytes]]:
    """The Slack download opened and checked before AssemblyAI hears of it.

    A file Recap refuses (a redirect away from Slack, a login page, over the size limit) so
    costs no upload request at all. A retried upload streams the file afresh.
    """
    stream = _slack_chunks(deps, source)
    first = await anext(stream, b"")
    handed: list[bool] = []

    def open_chunks() -> AsyncIterable[bytes]:
        if handed:
            return _slack_chunks(deps, source)
        handed.append(True)
        return _Primed(first, stream)

    return open_chunks


class _Primed:
    """`first`, then the rest of an opened stream; aclose() releases it even if never read."""

    def __init__(self, first: bytes, rest: AsyncGenerator[bytes, None]) -> None:
        self.first, self.rest = first, rest

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.first:
            yield self.first
        async for chunk in self.rest:
            yield chunk

    async def aclose(self) -> None:
        await self.rest.aclose()


async def _slack_chunks(deps: Deps, source: Source) -> AsyncGenerator[bytes, None]:
    assert source.url is not None
    async with open_download(
        deps.http,
        source.url,
        token=deps.config.slack_bot_token or "",
        allowed_hosts=slack_file_hosts(deps.config.slack_api_url),
        max_bytes=deps.config.max_file_bytes,
    ) as download:
        async for chunk in download.chunks:
            yield chunk


# Above these sizes, parsing or chunking takes long enough (~0.1 s+) to stall other jobs.
BIG_TEXT_BYTES = 1_000_000
BIG_TRANSCRIPT_UTTERANCES = 5_000


async def _read_transcript_file(deps: Deps, source: Source) -> Transcript:
    if source.kind == "text" and source.text is not None:
        raw = source.text.encode()
    elif source.kind == "path" and source.path:
        raw = await asyncio.to_thread(_read_capped, source.path, deps.config.max_file_bytes)
    else:
        raw = b"".join([c async for c in _slack_chunks(deps, source)])
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


async def _chunks(transcript: Transcript, budget_tokens: int) -> list[Chunk]:
    """chunk_transcript, in a worker thread for a transcript big enough to block the loop."""
    if len(transcript.utterances) > BIG_TRANSCRIPT_UTTERANCES:
        return await asyncio.to_thread(chunk_transcript, transcript.utterances, budget_tokens)
    return chunk_transcript(transcript.utterances, budget_tokens)


def _read_capped(path: str, limit: int) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise SourceRejected(f"This transcript file is over the {limit // 1_048_576} MB limit.")
    return data


def recap_key(team_id: str, transcript_id: str, style: str, instructions: str, model: str) -> str:
    """Same workspace, transcript, style, instructions, model and prompts: the same recap."""
    parts = [team_id, transcript_id, style, instructions.strip(), model, prompts.PROMPT_VERSION]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


async def get_recap(
    deps: Deps,
    transcript: Transcript,
    *,
    team_id: str = "",
    style: str = prompts.DEFAULT_STYLE,
    instructions: str = "",
    cached_transcript: bool = False,
    progress: ProgressFn = _quiet,
    judge: bool | None = None,
) -> tuple[int, Recap, bool]:
    """(recap id, recap, from cache). A stored recap costs no LLM call at all.

    With `judge` (None: JUDGE=on) the recap is checked, and rewritten once if flagged, before it
    is stored (bot.judge); a stored recap never judged is judged now.
    """
    model = deps.config.llm_model
    key = recap_key(team_id, transcript.id, style, instructions, model)
    check = deps.config.judge if judge is None else judge
    found = await deps.store.find_recap(key)
    if found is not None and not (check and found[1].judge is None):
        recap_id, recap = found
        recap.cached_transcript = cached_transcript
        return recap_id, recap, True
    if found is not None:
        recap = found[1]
    else:
        recap = await summarize(deps, transcript, style, instructions, progress)
    if check:

        async def again(extra: str) -> Recap:
            return await summarize(deps, transcript, style, extra, progress)

        async def say(detail: str) -> None:
            await progress(Progress("checking", detail))

        recap = await checked(deps, transcript, recap, regenerate=again, say=say)
    recap.cached_transcript = cached_transcript
    recap_id = await deps.store.save_recap(
        key, transcript_id=transcript.id, team_id=team_id, style=style, recap=recap
    )
    return recap_id, recap, found is not None


async def summarize(
    deps: Deps, transcript: Transcript, style: str, instructions: str, progress: ProgressFn
) -> Recap:
    """One call when the transcript fits; else map every chunk concurrently, then reduce."""
    chunks = await _chunks(transcript, deps.config.chunk_tokens)
    if not chunks:
        raise TranscriptionFailed("The recording has no speech Recap could transcribe.")
    usage = {"calls": 0, "input_tokens": 0, "output_tokens": 0}

    async def call(messages: list[dict[str, str]]) -> dict:
        data, completion = await deps.llm.complete_json(
            messages, schema=prompts.RECAP_SCHEMA, name="recap"
        )
        usage["calls"] += 1
        usage["input_tokens"] += completion.input_tokens
        usage["output_tokens"] += completion.output_tokens
        return data

    total = len(chunks)
    await progress(Progress("summarizing", "Summarizing", 0, total))
    if total == 1:
        final = await call(prompts.recap_messages(chunks[0].text, style, instructions))
    else:
        final = await _map_reduce(chunks, style, instructions, call, progress, deps)
    recap = recap_from_llm(
        final,
        transcript_id=transcript.id,
        style=style,
        duration_ms=transcript.duration_ms,
        speakers=transcript.speakers,
    )
    recap.instructions = instructions
    recap.language = transcript.language
    recap.model = deps.config.llm_model
    recap.duration_ms = transcript.duration_ms
    recap.covered_ms = max(transcript.duration_ms, chunks[-1].end_ms)
    recap.chunks = total
    recap.usage = usage
    said = "\n".join([instructions, *(u.text for u in transcript.utterances)])
    return recap_unlinked(ground(recap, transcript.utterances), said)  # no invented links


async def _map_reduce(
    chunks: list[Chunk],
    style: str,
    instructions: str,
    call: Callable[[list[dict[str, str]]], Awaitable[dict]],
    progress: ProgressFn,
    deps: Deps,
) -> dict:
    """No part is dropped: a chunk that still fails after retries fails the whole recap.

    The reduce re-reads only what needs writing again (each part's tldr and topics): action
    items and decisions come from disjoint parts, each with its own quote, so they are merged
    here, in order and each once. That keeps the reduce's input and output small (a 3-hour
    recap in 8 parts costs ~1.14x its transcript in input tokens, not ~1.35x), and no item or
    quote can be lost or reworded on the way. A style without tldr or topics needs no reduce at all.
    """
    total, done = len(chunks), 0

    async def one(chunk: Chunk) -> dict:
        nonlocal done
        messages = prompts.recap_messages(
            chunk.text, style, instructions, part=chunk.index + 1, total=total
        )
        partial = await call(messages)
        done += 1
        await progress(Progress("summarizing", f"Summarizing part {done} of {total}", done, total))
        return partial

    partials = await _all(one(c) for c in chunks)
    items = {field: _merged(partials, field) for field in ("action_items", "decisions")}
    sections = (prompts.find_style(style) or prompts.STYLES[prompts.DEFAULT_STYLE]).sections
    if not {"tldr", "topics"} & set(sections):
        return {"tldr": "", "topics": [], **items}
    await progress(Progress("summarizing", f"Merging {total} parts", total, total))
    briefs = [_brief(p) for p in partials]
    budget = deps.config.chunk_tokens
    while estimate_tokens(json.dumps(briefs)) > budget and len(briefs) > 2:
        groups = _group(briefs, budget)
        if len(groups) == len(briefs):  # each alone is too big: pairs still shrink the list
            groups = [briefs[i : i + 2] for i in range(0, len(briefs), 2)]
        merged = await _all(call(prompts.reduce_messages(g, style, instructions)) for g in groups)
        briefs = [_brief(m) for m in merged]
    final = await call(prompts.reduce_messages(briefs, style, instructions))
    return {**final, **items}


def _brief(partial: dict) -> dict:
    """What the reduce rewrites: a part's tldr and topics."""
    return {"tldr": partial.get("tldr") or "", "topics": partial.get("topics") or []}


def _merged(partials: list[dict], field: str) -> list[dict]:
    """Every part's action items (or decisions) in order, each once (same words, same item)."""
    kept: dict[str, dict] = {}
    for partial in partials:
        for item in partial.get(field) or []:
            if isinstance(item, dict):
                key = " ".join(re.findall(r"\w+", str(item.get("text") or "").lower()))
                kept.setdefault(key or str(len(kept)), item)
    return list(kept.values())


async def _all(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Every result, in order. The first failure cancels the others and is raised: a part
    that keeps failing fails the recap at once, with no calls spent on a recap never shown."""

    async def one(call: Awaitable[T]) -> T:
        return await call

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(c)) for c in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [t.result() for t in tasks]


def _group(partials: list[dict], budget: int) -> list[list[dict]]:
    groups: list[list[dict]] = [[]]
    for partial in partials:
        if groups[-1] and estimate_tokens(json.dumps(groups[-1] + [partial])) > budget:
            groups.append([])
        groups[-1].append(partial)
    return groups


async def answer(
    deps: Deps, transcript_id: str, question: str, history: list[tuple[str, str]]
) -> str:
    """A follow-up grounded in one recording's transcript (and only that one)."""
    transcript = await deps.store.get_transcript(transcript_id)
    if transcript is None:
        raise Forgotten("This recording's transcript was deleted, so Recap can't answer about it.")
    chunks = await _chunks(transcript, deps.config.chunk_tokens)
    text = chunks[0].text if len(chunks) == 1 else _relevant(chunks, question)
    completion = await deps.llm.complete(prompts.followup_messages(text, history, question))
    said = "\n".join([question, *(q for q, _ in history), *(u.text for u in transcript.utterances)])
    return unlinked(completion.text.strip(), said)  # links only the recording or the asker gave


def _relevant(chunks: list[Chunk], question: str) -> str:
    """For a transcript longer than one call: the chunk sharing most words with the question."""
    words = {w for w in question.lower().split() if len(w) > 3}
    best = max(chunks, key=lambda c: sum(w in c.text.lower() for w in words))
    return best.text
