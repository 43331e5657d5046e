"""Transcript -> recap: one LLM call when it fits, else map every chunk concurrently, then reduce.

Every recap is grounded (bot.core.grounding) and stripped of links nobody gave before anyone
sees it. No part of a transcript is dropped: a chunk that keeps failing fails the recap. A
part's reply is a fraction of its input, so its max_tokens is sized to the part (LLM_MAX_TOKENS
stays the ceiling): a local model that writes until max_tokens stops in proportion to the work.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from bot.core import prompts
from bot.core.chunking import Chunk, chunk_for_latency, chunk_transcript, estimate_tokens
from bot.core.grounding import ground
from bot.core.links import recap_unlinked
from bot.core.parse import recap_from_llm
from bot.core.partials import brief, grouped, merged_items
from bot.core.recap import Recap, add_usage, new_usage
from bot.core.speakers import talk_stats
from bot.core.transcript import Transcript
from bot.deps import Deps
from bot.errors import SourceRejected, TranscriptionFailed
from bot.pipeline.progress import Progress, ProgressFn

T = TypeVar("T")
# The most parts one recap may be split into (each an LLM call): ten hours of dense speech is
# about 8 parts at the default CHUNK_TOKENS (24000). Counted before any call is spent.
MAX_PARTS = 20
REPLY_SHARE = 0.5  # a part's recap is at most about half its prompt (prompt + transcript)
REPLY_FLOOR = 1024  # tokens: room for a short meeting's recap whatever its length


def reply_budget(messages: list[dict[str, str]], ceiling: int) -> int:
    """max_tokens for a part's recap: REPLY_FLOOR + REPLY_SHARE of its input, at most `ceiling`."""
    tokens = sum(estimate_tokens(str(m.get("content") or "")) for m in messages)
    return min(ceiling, REPLY_FLOOR + int(tokens * REPLY_SHARE))
# Above this, chunking takes long enough (~0.1 s+) to stall other jobs: it runs in a thread.
BIG_TRANSCRIPT_UTTERANCES = 5_000
# What one part's brief (tldr and topics) costs the reduce in input, about: the simulator's
# and real models' briefs of a 20-40 minute part run 150-300 tokens.
BRIEF_TOKENS = 300


async def summarize(
    deps: Deps, transcript: Transcript, style: str, instructions: str, progress: ProgressFn
) -> Recap:
    """One call when the transcript fits; else map every chunk concurrently, then reduce."""
    chunks = await _map_parts(deps, transcript, style, instructions)
    if not chunks:
        raise TranscriptionFailed("The recording has no speech Recap could transcribe.")
    if len(chunks) > MAX_PARTS:
        raise SourceRejected(
            f"This transcript is too long for one recap: it would take {len(chunks)} LLM calls "
            f"at CHUNK_TOKENS={deps.config.chunk_tokens}, over Recap's limit of {MAX_PARTS} "
            "(about 10 hours of speech at the default)."
        )
    usage = new_usage()

    async def call(messages: list[dict[str, str]], sized: bool = False) -> dict:
        ceiling = deps.config.llm_max_tokens
        data, completion = await deps.llm.complete_json(
            messages, schema=prompts.RECAP_SCHEMA, name="recap",
            max_tokens=reply_budget(messages, ceiling) if sized else None,
        )
        add_usage(usage, completion.input_tokens, completion.output_tokens)
        return data

    total = len(chunks)
    await progress(Progress("summarizing", "Summarizing", 0, total))
    if total == 1:
        final = await call(prompts.recap_messages(chunks[0].text, style, instructions), True)
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
    recap.speakers = talk_stats(transcript.utterances)
    said = "\n".join([instructions, *(u.text for u in transcript.utterances)])
    return recap_unlinked(ground(recap, transcript.utterances), said)  # no invented links


async def _map_reduce(
    chunks: list[Chunk],
    style: str,
    instructions: str,
    call: Callable[..., Awaitable[dict]],
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
        partial = await call(messages, True)  # sized to the part: a fraction of its input
        done += 1
        await progress(Progress("summarizing", f"Summarizing part {done} of {total}", done, total))
        return partial

    partials = await _all(one(c) for c in chunks)
    items = {field: merged_items(partials, field) for field in ("action_items", "decisions")}
    sections = (prompts.find_style(style) or prompts.STYLES[prompts.DEFAULT_STYLE]).sections
    if not {"tldr", "topics"} & set(sections):
        return {"tldr": "", "topics": [], **items}
    await progress(Progress("summarizing", f"Merging {total} parts", total, total))
    briefs = [brief(p) for p in partials]
    budget = deps.config.chunk_tokens
    while estimate_tokens(json.dumps(briefs)) > budget and len(briefs) > 2:
        groups = grouped(briefs, budget)
        if len(groups) == len(briefs):  # each alone is too big: pairs still shrink the list
            groups = [briefs[i : i + 2] for i in range(0, len(briefs), 2)]
        merged = await _all(call(prompts.reduce_messages(g, style, instructions)) for g in groups)
        briefs = [brief(m) for m in merged]
    final = await call(prompts.reduce_messages(briefs, style, instructions))
    return {**final, **items}


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


async def _map_parts(
    deps: Deps, transcript: Transcript, style: str, instructions: str
) -> list[Chunk]:
    """The parts a recap reads: one when the transcript fits CHUNK_TOKENS, else as many equal
    parts as latency wants and the input budget allows (bot.core.chunking.chunk_for_latency),
    at most LLM_CONCURRENCY and one fewer than LLM_RPM, so the map is one round in one window.
    """
    prompt = prompts.recap_messages("", style, instructions, part=99, total=99)
    overhead = sum(estimate_tokens(m["content"]) for m in prompt) + BRIEF_TOKENS
    config = deps.config
    max_parts = max(1, min(config.llm_concurrency, config.llm_rpm - 1))

    def cut() -> list[Chunk]:
        return chunk_for_latency(transcript.utterances, config.chunk_tokens,
                                 max_parts=max_parts, overhead_tokens=overhead)

    if len(transcript.utterances) > BIG_TRANSCRIPT_UTTERANCES:
        return await asyncio.to_thread(cut)
    return cut()


async def chunks_of(transcript: Transcript, budget_tokens: int) -> list[Chunk]:
    """chunk_transcript, in a worker thread for a transcript big enough to block the loop."""
    if len(transcript.utterances) > BIG_TRANSCRIPT_UTTERANCES:
        return await asyncio.to_thread(chunk_transcript, transcript.utterances, budget_tokens)
    return chunk_transcript(transcript.utterances, budget_tokens)
